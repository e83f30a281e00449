import type { DigitalInput, DigitalOutput, Led, Watchdog } from "../drivers/interfaces.ts";

/**
 * The simulated board's wiring: named lines held in memory. Inputs are set by the control
 * surface (or a replayed event file); outputs record what the firmware drove, for tests and
 * the lab. A "stuck" input ignores changes, as a failed switch would.
 */
export class SimLines {
  private readonly inputs = new Map<string, boolean>();
  private readonly outputs = new Map<string, boolean>();
  private readonly inputListeners = new Map<string, Set<(v: boolean) => void>>();
  private readonly anyInput = new Set<(id: string, v: boolean) => void>();
  private readonly anyOutput = new Set<(id: string, v: boolean) => void>();
  readonly stuck = new Set<string>();
  watchdogKicks = 0;

  setInput(id: string, value: boolean): void {
    if (this.stuck.has(id)) return;
    if (this.inputs.get(id) === value) return;
    this.inputs.set(id, value);
    for (const l of this.anyInput) l(id, value);
    for (const l of this.inputListeners.get(id) ?? []) l(value);
  }

  getInput(id: string): boolean {
    return this.inputs.get(id) ?? false;
  }

  getOutput(id: string): boolean {
    return this.outputs.get(id) ?? false;
  }

  snapshot(): { inputs: Record<string, boolean>; outputs: Record<string, boolean> } {
    return { inputs: Object.fromEntries(this.inputs), outputs: Object.fromEntries(this.outputs) };
  }

  onInput(listener: (id: string, v: boolean) => void): () => void {
    this.anyInput.add(listener);
    return () => this.anyInput.delete(listener);
  }

  onOutput(listener: (id: string, v: boolean) => void): () => void {
    this.anyOutput.add(listener);
    return () => this.anyOutput.delete(listener);
  }

  input(id: string): DigitalInput {
    return {
      name: `sim:${id}`,
      read: async () => this.getInput(id),
      watch: (listener) => {
        let set = this.inputListeners.get(id);
        if (!set) {
          set = new Set();
          this.inputListeners.set(id, set);
        }
        set.add(listener);
        return () => set.delete(listener);
      },
      close: async () => {},
    };
  }

  private drive(id: string, v: boolean): void {
    if (this.outputs.get(id) === v) return;
    this.outputs.set(id, v);
    for (const l of this.anyOutput) l(id, v);
  }

  output(id: string): DigitalOutput {
    return { name: `sim:${id}`, write: async (v) => this.drive(id, v), close: async () => {} };
  }

  led(id: string): Led {
    return { name: `sim:${id}`, set: async (v) => this.drive(id, v), close: async () => {} };
  }

  watchdog(): Watchdog {
    return {
      kick: async () => {
        this.watchdogKicks++;
      },
      close: async () => {},
    };
  }
}
