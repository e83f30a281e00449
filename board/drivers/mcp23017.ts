import type { DigitalInput, DigitalOutput, I2cBus } from "./interfaces.ts";

/**
 * Microchip MCP23017 16-bit I/O expander over I2C (datasheet DS20001952C), register addresses
 * for IOCON.BANK = 0 (the power-on default, Table 3-5): A and B registers interleave.
 */
export const REG = {
  IODIRA: 0x00,
  IODIRB: 0x01,
  IPOLA: 0x02,
  IPOLB: 0x03,
  GPINTENA: 0x04,
  GPINTENB: 0x05,
  DEFVALA: 0x06,
  DEFVALB: 0x07,
  INTCONA: 0x08,
  INTCONB: 0x09,
  IOCON: 0x0a,
  GPPUA: 0x0c,
  GPPUB: 0x0d,
  INTFA: 0x0e,
  INTFB: 0x0f,
  INTCAPA: 0x10,
  INTCAPB: 0x11,
  GPIOA: 0x12,
  GPIOB: 0x13,
  OLATA: 0x14,
  OLATB: 0x15,
} as const;

/** IOCON bits (§3.5.6). */
export const IOCON = {
  BANK: 0x80,
  /** INTA and INTB are internally connected (ORed). */
  MIRROR: 0x40,
  SEQOP: 0x20,
  DISSLW: 0x10,
  HAEN: 0x08,
  /** INT pins open-drain. */
  ODR: 0x04,
  /** INT active-high when set; we keep active-low (0). */
  INTPOL: 0x02,
} as const;

export interface PinChange {
  pin: number;
  /** Electrical level: true = high. */
  level: boolean;
}

/**
 * Driver for one expander: pins configured as inputs get pull-ups and interrupt-on-change,
 * outputs are written through OLAT. Interrupts (or a poll when no INT line is wired) are
 * serviced in the order the datasheet requires to respect the INTCAP latch (§3.6.5): the
 * interrupt condition is cleared only by reading INTCAP or GPIO, and while it is set no new
 * interrupt fires. So the service routine reads INTF (which pins fired), then INTCAP (the
 * port as it was when the interrupt fired; this clears it), then GPIO (the port now). A pin
 * that changed and changed back while the latch was held still shows up as its INTCAP value
 * followed by its GPIO value, so a short key press is not lost.
 */
export class Mcp23017 {
  readonly bus: I2cBus;
  readonly address: number;
  private readonly inputMask: number;
  private readonly outputMask: number;
  private olat = 0;
  /** Last electrical level we reported for every pin (bit per pin, A = low byte). */
  private known = 0;
  private readonly listeners = new Set<(c: PinChange) => void>();
  private readonly errorListeners = new Set<(err: unknown) => void>();
  private servicing: Promise<void> = Promise.resolve();
  private unwatchInt: (() => void) | undefined;
  private interrupt: DigitalInput | undefined;
  /** An interrupt service loop is running; `intAgain` asks it for one more round. */
  private intLoop = false;
  private intAgain = false;
  /** The loop gave up on a line that stays asserted; reported once until it clears. */
  private intStuck = false;
  private closed = false;

  constructor(bus: I2cBus, address: number, pins: { inputs: number[]; outputs: number[] }) {
    if (address < 0x20 || address > 0x27)
      throw new RangeError(`MCP23017 address 0x${address.toString(16)} outside 0x20-0x27`);
    this.bus = bus;
    this.address = address;
    this.inputMask = pins.inputs.reduce((m, p) => m | (1 << p), 0);
    this.outputMask = pins.outputs.reduce((m, p) => m | (1 << p), 0);
    if (this.inputMask & this.outputMask) throw new Error("MCP23017: a pin cannot be both input and output");
  }

  /**
   * Configures the chip. `interrupt` is the INTA line as a logical input (active = asserted;
   * the line is active-low open drain, the description sets activeLow).
   */
  async init(interrupt?: DigitalInput): Promise<void> {
    const w = (reg: number, v: number) => this.bus.writeByte(this.address, reg, v & 0xff);
    await w(REG.IOCON, IOCON.MIRROR | IOCON.ODR);
    const iodir = ~this.outputMask & 0xffff; // 1 = input (§3.5.1)
    await w(REG.IODIRA, iodir);
    await w(REG.IODIRB, iodir >> 8);
    await w(REG.GPPUA, this.inputMask);
    await w(REG.GPPUB, this.inputMask >> 8);
    // INTCON = 0: compare against the previous pin value, i.e. interrupt on any change (§3.5.5).
    await w(REG.INTCONA, 0);
    await w(REG.INTCONB, 0);
    await w(REG.OLATA, this.olat);
    await w(REG.OLATB, this.olat >> 8);
    await w(REG.GPINTENA, this.inputMask);
    await w(REG.GPINTENB, this.inputMask >> 8);
    // Reading GPIO clears any interrupt left from before and gives the starting levels.
    this.known = await this.readPort("GPIO");
    if (interrupt) {
      this.interrupt = interrupt;
      this.unwatchInt = interrupt.watch((asserted) => {
        if (asserted) void this.serviceInterrupt();
      });
      // The line may already be asserted (a change between the read above and the watch).
      if (await interrupt.read()) await this.serviceInterrupt();
    }
  }

  onChange(listener: (c: PinChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onError(listener: (err: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Electrical level of a pin as last seen. */
  level(pin: number): boolean {
    return (this.known & (1 << pin)) !== 0;
  }

  /** Services the interrupt (or polls); calls queue so two never interleave on the bus. */
  service(): Promise<void> {
    this.servicing = this.servicing.then(
      () => this.serviceOnce(),
      () => this.serviceOnce(),
    );
    return this.servicing.catch((err) => {
      for (const l of this.errorListeners) l(err);
    });
  }

  /**
   * Services INTA until it is released. A pin that changes while (or just after) the chip is
   * read asserts INTA again at once, with no deasserted moment a sampled or edge-watched line
   * would see, so after each service the line is read again and the chip serviced again while it
   * is still asserted. Assertions that arrive while the loop runs are folded into it, so a
   * level-triggered line polled faster than the bus answers never queues services.
   */
  private async serviceInterrupt(): Promise<void> {
    const line = this.interrupt;
    if (!line || this.closed) return;
    if (this.intLoop) {
      this.intAgain = true;
      return;
    }
    this.intLoop = true;
    try {
      for (let round = 1; ; round++) {
        this.intAgain = false;
        await this.service();
        if (this.closed) return;
        const asserted = this.intAgain || (await line.read());
        if (!asserted) {
          this.intStuck = false;
          return;
        }
        // Once stuck, one service per assertion: the poll period paces the bus.
        if (round >= (this.intStuck ? 1 : Mcp23017.MAX_SERVICE_ROUNDS)) {
          // Pins changing this fast are not switches: a line stuck low (wiring) or a chip that
          // does not answer. Leave the next assertion (or poll) to start again.
          if (!this.intStuck) {
            this.intStuck = true;
            const err = new Error(`INTA still asserted after ${round} services (interrupt line stuck?)`);
            for (const l of this.errorListeners) l(err);
          }
          return;
        }
      }
    } catch (err) {
      for (const l of this.errorListeners) l(err);
    } finally {
      this.intLoop = false;
    }
  }

  /** Rounds of one interrupt service loop before the line counts as stuck. */
  static readonly MAX_SERVICE_ROUNDS = 16;

  private async serviceOnce(): Promise<void> {
    const intf = await this.readPort("INTF");
    if (intf) {
      const cap = await this.readPort("INTCAP");
      this.apply(cap, intf);
    }
    const now = await this.readPort("GPIO");
    this.apply(now, this.inputMask);
  }

  private apply(value: number, mask: number): void {
    const changed = (value ^ this.known) & mask & this.inputMask;
    if (!changed) return;
    this.known = (this.known & ~changed) | (value & changed);
    for (let pin = 0; pin < 16; pin++) {
      if (changed & (1 << pin)) for (const l of this.listeners) l({ pin, level: (value & (1 << pin)) !== 0 });
    }
  }

  private async readPort(name: "INTF" | "INTCAP" | "GPIO"): Promise<number> {
    const a = await this.bus.readByte(this.address, REG[`${name}A`]);
    const b = await this.bus.readByte(this.address, REG[`${name}B`]);
    return (a & 0xff) | ((b & 0xff) << 8);
  }

  async writePin(pin: number, level: boolean): Promise<void> {
    if (!(this.outputMask & (1 << pin))) throw new Error(`MCP23017 pin ${pin} is not an output`);
    this.olat = level ? this.olat | (1 << pin) : this.olat & ~(1 << pin);
    const port = pin < 8 ? REG.OLATA : REG.OLATB;
    await this.bus.writeByte(this.address, port, pin < 8 ? this.olat & 0xff : this.olat >> 8);
  }

  input(pin: number, activeLow = false): DigitalInput {
    const logical = (level: boolean) => level !== activeLow;
    return {
      name: `mcp23017@0x${this.address.toString(16)}:${pin}`,
      // A read goes to the chip (GPIO), so a keypad scan sees the row right after driving a column.
      read: async () => {
        await this.service();
        return logical(this.level(pin));
      },
      watch: (listener) =>
        this.onChange((c) => {
          if (c.pin === pin) listener(logical(c.level));
        }),
      close: async () => {},
    };
  }

  output(pin: number, activeLow = false): DigitalOutput {
    return {
      name: `mcp23017@0x${this.address.toString(16)}:${pin}`,
      write: (active) => this.writePin(pin, active !== activeLow),
      close: async () => {},
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unwatchInt?.();
    this.listeners.clear();
    await this.servicing.catch(() => undefined);
  }
}
