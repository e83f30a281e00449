import type { DigitalInput, I2cBus } from "../../../board/drivers/interfaces.ts";
import { IOCON, REG } from "../../../board/drivers/mcp23017.ts";

/**
 * A register model of the MCP23017 (DS20001952C) behind the I2cBus interface, for tests.
 * Models what the driver depends on: IODIR, IPOL, GPINTEN, DEFVAL/INTCON compare modes,
 * INTF/INTCAP capture, the latch (§3.6.5: "the interrupt condition is cleared after the LSb of
 * the data is clocked out during a read command of GPIO or INTCAP"; no new interrupt while it is
 * set), IOCON.MIRROR, OLAT, and the INT line as a logical input (active = asserted).
 */
export class Mcp23017Model implements I2cBus {
  readonly address: number;
  readonly regs = new Uint8Array(0x16);
  /** External electrical level per pin (bit per pin, GPA = low byte); pull-ups make 1 the idle. */
  private pins = 0xffff;
  private intA = false;
  private intB = false;
  private readonly intListeners = new Set<(v: boolean) => void>();
  readonly log: string[] = [];
  /** When set, every bus access fails as an absent chip does. */
  absent = false;

  constructor(address = 0x20) {
    this.address = address;
    this.regs[REG.IODIRA] = 0xff;
    this.regs[REG.IODIRB] = 0xff;
  }

  private check(address: number): void {
    if (this.absent || address !== this.address) {
      const e = new Error("Remote I/O error") as NodeJS.ErrnoException;
      e.code = "EREMOTEIO";
      throw e;
    }
  }

  private port(pin: number): 0 | 1 {
    return pin < 8 ? 0 : 1;
  }

  /** The value GPIO reads: inputs from the pins (with IPOL), outputs from OLAT. */
  private gpio(p: 0 | 1): number {
    const iodir = this.regs[REG.IODIRA + p] as number;
    const ipol = this.regs[REG.IPOLA + p] as number;
    const olat = this.regs[REG.OLATA + p] as number;
    const ext = (this.pins >> (8 * p)) & 0xff;
    return ((ext ^ ipol) & iodir) | (olat & ~iodir & 0xff);
  }

  private setInt(p: 0 | 1, v: boolean): void {
    const before = this.intLine();
    if (p === 0) this.intA = v;
    else this.intB = v;
    const after = this.intLine();
    if (before !== after) for (const l of this.intListeners) l(after);
  }

  /** With MIRROR the INTA pin reports either port; without it only port A. */
  intLine(): boolean {
    const mirror = ((this.regs[REG.IOCON] as number) & IOCON.MIRROR) !== 0;
    return mirror ? this.intA || this.intB : this.intA;
  }

  /** Drives a pin from outside (a switch closing pulls it low). */
  setPin(pin: number, high: boolean): void {
    const p = this.port(pin);
    const before = this.gpio(p);
    this.pins = high ? this.pins | (1 << pin) : this.pins & ~(1 << pin);
    const after = this.gpio(p);
    this.evaluate(p, before, after);
  }

  private evaluate(p: 0 | 1, before: number, after: number): void {
    const en = this.regs[REG.GPINTENA + p] as number;
    const intcon = this.regs[REG.INTCONA + p] as number;
    const defval = this.regs[REG.DEFVALA + p] as number;
    const fired = ((before ^ after) & en & ~intcon) | ((after ^ defval) & en & intcon);
    if (!fired) return;
    const latched = (this.regs[REG.INTFA + p] as number) !== 0;
    if (latched) return; // INTCAP holds the first interrupt's capture until read
    // INTF flags the pin that caused the interrupt; INTCAP captures the port at that moment.
    this.regs[REG.INTFA + p] = fired & 0xff;
    this.regs[REG.INTCAPA + p] = after;
    this.setInt(p, true);
  }

  private clearInterrupt(p: 0 | 1): void {
    this.regs[REG.INTFA + p] = 0;
    this.setInt(p, false);
    // DEFVAL-compare pins still differing raise the interrupt again at once.
    const en = this.regs[REG.GPINTENA + p] as number;
    const intcon = this.regs[REG.INTCONA + p] as number;
    const defval = this.regs[REG.DEFVALA + p] as number;
    const still = (this.gpio(p) ^ defval) & en & intcon;
    if (still) {
      this.regs[REG.INTFA + p] = still;
      this.regs[REG.INTCAPA + p] = this.gpio(p);
      this.setInt(p, true);
    }
  }

  async readByte(address: number, register: number): Promise<number> {
    this.check(address);
    this.log.push(`r${register.toString(16).padStart(2, "0")}`);
    switch (register) {
      case REG.GPIOA:
      case REG.GPIOB: {
        const p = (register - REG.GPIOA) as 0 | 1;
        const v = this.gpio(p);
        this.clearInterrupt(p);
        return v;
      }
      case REG.INTCAPA:
      case REG.INTCAPB: {
        const p = (register - REG.INTCAPA) as 0 | 1;
        const v = this.regs[register] as number;
        this.clearInterrupt(p);
        return v;
      }
      default:
        if (register > REG.OLATB) throw new Error(`no register 0x${register.toString(16)}`);
        return this.regs[register] as number;
    }
  }

  async writeByte(address: number, register: number, value: number): Promise<void> {
    this.check(address);
    this.log.push(`w${register.toString(16).padStart(2, "0")}=${value.toString(16)}`);
    if (register === REG.INTFA || register === REG.INTFB || register === REG.INTCAPA || register === REG.INTCAPB)
      return; // read-only
    if (register === REG.GPIOA || register === REG.GPIOB) register += REG.OLATA - REG.GPIOA; // a GPIO write writes OLAT
    if (register === REG.IOCON + 1) register = REG.IOCON; // IOCON is shared by both addresses
    this.regs[register] = value & 0xff;
  }

  async close(): Promise<void> {}

  /** The INTA line as a logical input, asserted = true (the electrical line is active-low). */
  readonly interrupt: DigitalInput = {
    name: "model-inta",
    read: async () => this.intLine(),
    watch: (listener) => {
      this.intListeners.add(listener);
      return () => this.intListeners.delete(listener);
    },
    close: async () => {},
  };

  /** Level of an output pin as the outside sees it. */
  outputLevel(pin: number): boolean {
    const p = this.port(pin);
    return ((this.regs[REG.OLATA + p] as number) & (1 << (pin % 8))) !== 0;
  }
}
