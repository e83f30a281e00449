import type { LibgpiodBinding, LibgpiodChip, LibgpiodLine } from "../../../board/drivers/gpio-cdev.ts";
import { REQUEST_FLAG } from "../../../board/drivers/gpio-cdev.ts";

/** An errno-carrying error, as node-libgpiod's Nan::ErrnoException builds them. */
export function errnoError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${code}, ${syscall}`), { code, syscall });
}

interface FakeLineState {
  physical: 0 | 1;
  requested?: { consumer: string; flags: number; direction: "in" | "out" };
  failReads?: string;
}

/**
 * A gpiochip as node-libgpiod 0.5.x presents it: `new Chip(id)`, `new Line(chip, offset)`, the
 * request calls with libgpiod 1.x flags, getValue/setValue with active-low applied by the
 * "kernel", EBUSY for a line already requested, ENOENT for a chip that is not there.
 */
export class FakeGpioChips {
  readonly chips = new Map<string, FakeLineState[]>();
  /** Every Chip constructor argument, in order. */
  readonly opened: string[] = [];

  addChip(name: string, lines: number): void {
    this.chips.set(
      name,
      Array.from({ length: lines }, () => ({ physical: 0 as const })),
    );
  }

  line(chip: string, offset: number): FakeLineState {
    const l = this.chips.get(chip)?.[offset];
    if (!l) throw new Error(`fake: no line ${chip}:${offset}`);
    return l;
  }

  /** Sets the electrical level of a line (what the switch does). */
  setPhysical(chip: string, offset: number, level: 0 | 1): void {
    this.line(chip, offset).physical = level;
  }

  binding(): LibgpiodBinding {
    const chips = this.chips;
    const opened = this.opened;
    class Chip implements LibgpiodChip {
      readonly name: string;
      constructor(id: string) {
        opened.push(id);
        const name = id.replace(/^\/dev\//, "");
        if (!chips.has(name)) throw errnoError("ENOENT", `Chip::new - Unable to open device ${id}`);
        this.name = name;
      }
      get numberOfLines(): number {
        return chips.get(this.name)?.length ?? 0;
      }
    }
    class Line implements LibgpiodLine {
      private readonly state: FakeLineState;
      private mine = false;
      constructor(chip: LibgpiodChip, offset: number) {
        const s = chips.get(chip.name)?.[offset];
        if (!s) throw errnoError("EINVAL", `Line::new - Unable to open GPIO line ${offset}`);
        this.state = s;
      }
      private request(consumer: string, flags: number, direction: "in" | "out"): void {
        if (this.state.requested) throw errnoError("EBUSY", "::requestInputModeFlags");
        this.state.requested = { consumer, flags, direction };
        this.mine = true;
      }
      private activeLow(): boolean {
        return ((this.state.requested?.flags ?? 0) & REQUEST_FLAG.ACTIVE_LOW) !== 0;
      }
      requestInputModeFlags(consumer: string, flags: number): void {
        this.request(consumer, flags, "in");
      }
      requestOutputModeFlags(consumer: string, flags: number, defaultValue: number): void {
        this.request(consumer, flags, "out");
        this.setValue(defaultValue);
      }
      getValue(): number {
        if (!this.mine) throw errnoError("EPERM", "::getValue");
        if (this.state.failReads) throw errnoError(this.state.failReads, "::getValue");
        return this.activeLow() ? 1 - this.state.physical : this.state.physical;
      }
      setValue(value: number): void {
        if (!this.mine || this.state.requested?.direction !== "out") throw errnoError("EPERM", "::setValue");
        const v = value ? 1 : 0;
        this.state.physical = (this.activeLow() ? 1 - v : v) as 0 | 1;
      }
      release(): void {
        if (this.mine) this.state.requested = undefined;
        this.mine = false;
      }
    }
    return { Chip, Line };
  }
}
