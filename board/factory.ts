import { readFile } from "node:fs/promises";
import type { BoardIo, HandsetIo } from "./board-io.ts";
import type { BoardDescription, InputRef, OutputRef } from "./descriptions/types.ts";
import type { EvdevDevice } from "./drivers/evdev.ts";
import type { GpioCdevChip, GpioCdevOptions } from "./drivers/gpio-cdev.ts";
import type { DigitalInput, DigitalOutput, I2cBus, Led } from "./drivers/interfaces.ts";
import type { Mcp23017 } from "./drivers/mcp23017.ts";
import type { SimLines } from "./sim/lines.ts";

export interface FactoryOptions {
  /** Required when the description names `sim` lines. */
  sim?: SimLines;
  /** Word size of `struct input_event` on this machine; default from process.arch. */
  evdevWordSize?: 32 | 64;
  /** Opens an I2C bus; defaults to `i2c-bus` on /dev/i2c-N. Tests pass a register model. */
  openI2c?: (bus: number) => Promise<I2cBus>;
  /** GPIO character devices: poll period, clock, and (tests) a fake node-libgpiod binding. */
  gpioCdev?: GpioCdevOptions;
  /** Roots for sysfs, for tests. */
  sysfsGpioRoot?: string;
  ledsRoot?: string;
  /** Simulated key presses per handset (the sim board's control surface). */
  simKeys?: (handset: string, listener: (key: string) => void) => () => void;
  simFaults?: () => string[];
  simTemperatureC?: () => number | undefined;
}

function wordSize(): 32 | 64 {
  return ["arm", "ia32", "x32"].includes(process.arch) ? 32 : 64;
}

/**
 * `open` made to run once per key: later calls share the first one's promise, so every reference
 * to a device (an evdev node, a gpiochip, an I2C bus, an expander) gets the one object opened for
 * it.
 */
function oncePer<K, V>(open: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const opened = new Map<K, Promise<V>>();
  return (key) => {
    let p = opened.get(key);
    if (!p) {
      p = open(key);
      opened.set(key, p);
    }
    return p;
  };
}

/**
 * Opens a board from its description. Each backend module is imported only when a reference of
 * its kind appears, so the simulated board never loads onoff, i2c-bus or node-libgpiod (optional
 * dependencies with native parts).
 */
export async function openBoard(desc: BoardDescription, opts: FactoryOptions = {}): Promise<BoardIo> {
  const closers: (() => Promise<void>)[] = [];
  const faults: string[] = [];

  const simLines = (): SimLines => {
    if (!opts.sim) throw new Error(`board "${desc.name}" names sim lines but no simulated board was given`);
    return opts.sim;
  };

  const evdev = oncePer((device: string) =>
    import("./drivers/evdev.ts").then(async ({ EvdevDevice }): Promise<EvdevDevice> => {
      const dev = await EvdevDevice.open(device, opts.evdevWordSize ?? wordSize());
      dev.onError((e) => faults.push(e.message));
      closers.push(() => dev.close());
      return dev;
    }),
  );

  const gpioChip = oncePer((chip: string) =>
    import("./drivers/gpio-cdev.ts").then(async ({ GpioCdevChip }): Promise<GpioCdevChip> => {
      const c = await GpioCdevChip.open(chip, opts.gpioCdev);
      c.onError((e) => faults.push(e.message));
      closers.push(() => c.close());
      return c;
    }),
  );

  const bus = oncePer((n: number) =>
    (opts.openI2c ? opts.openI2c(n) : import("./drivers/i2c.ts").then((m) => m.openI2cBus(n))).then((b): I2cBus => {
      closers.push(() => b.close());
      return b;
    }),
  );

  // Which pins of each expander are inputs and outputs, from every reference to it.
  const expanderPins = new Map<string, { inputs: Set<number>; outputs: Set<number> }>();
  const pinsOf = (id: string) => {
    let e = expanderPins.get(id);
    if (!e) {
      e = { inputs: new Set(), outputs: new Set() };
      expanderPins.set(id, e);
    }
    return e;
  };
  const visitIn = (r: InputRef) => r.kind === "mcp23017" && pinsOf(r.expander).inputs.add(r.pin);
  const visitOut = (r: OutputRef) => r.kind === "mcp23017" && pinsOf(r.expander).outputs.add(r.pin);
  for (const h of desc.handsets) {
    visitIn(h.hook);
    visitOut(h.lineRelay);
    visitOut(h.statusLed);
    for (const r of h.keypad?.rows ?? []) visitIn(r);
    for (const c of h.keypad?.columns ?? []) visitOut(c);
  }
  for (const k of desc.killSwitches) visitIn(k.input);
  for (const p of desc.panel) visitOut(p.output);

  const expander = oncePer((id: string): Promise<Mcp23017> => {
    const d = desc.expanders.find((e) => e.id === id);
    if (!d) throw new Error(`board "${desc.name}": unknown expander "${id}"`);
    const pins = pinsOf(id);
    return Promise.all([import("./drivers/mcp23017.ts"), bus(d.bus)]).then(async ([{ Mcp23017 }, b]) => {
      const chip = new Mcp23017(b, d.address, { inputs: [...pins.inputs], outputs: [...pins.outputs] });
      chip.onError((e) => faults.push(`expander ${id}: ${(e as Error).message}`));
      // A polled interrupt line is level-triggered: INTA stays asserted until the chip is read.
      await chip.init(d.interrupt ? await input(d.interrupt, { level: true }) : undefined);
      closers.push(() => chip.close());
      return chip;
    });
  });

  const input = async (r: InputRef, how: { level?: boolean } = {}): Promise<DigitalInput> => {
    switch (r.kind) {
      case "sim":
        return simLines().input(r.id);
      case "evdev": {
        const { EV_KEY, EV_SW } = await import("./drivers/evdev.ts");
        return (await evdev(r.device)).input(r.code, r.eventType === "switch" ? EV_SW : EV_KEY);
      }
      case "mcp23017":
        return (await expander(r.expander)).input(r.pin, r.activeLow ?? false);
      case "gpio-cdev":
        return (await gpioChip(r.chip)).input(r.offset, {
          ...(r.activeLow !== undefined ? { activeLow: r.activeLow } : {}),
          ...(r.bias ? { bias: r.bias } : {}),
          ...(how.level ? { level: true } : {}),
        });
      case "sysfs-gpio": {
        const { openSysfsInput } = await import("./drivers/sysfs-gpio.ts");
        const i = await openSysfsInput(r.line, r.activeLow ?? false, opts.sysfsGpioRoot);
        closers.push(() => i.close());
        return i;
      }
    }
  };

  // Shared lines (keypad columns common to every keypad) are opened once.
  const outputs = new Map<string, Promise<DigitalOutput>>();
  const output = (r: OutputRef): Promise<DigitalOutput> => {
    const key = JSON.stringify(r);
    let p = outputs.get(key);
    if (!p) {
      p = openOutput(r);
      outputs.set(key, p);
    }
    return p;
  };

  const openOutput = async (r: OutputRef): Promise<DigitalOutput> => {
    switch (r.kind) {
      case "sim":
        return simLines().output(r.id);
      case "mcp23017":
        return (await expander(r.expander)).output(r.pin, r.activeLow ?? false);
      case "gpio-cdev":
        return (await gpioChip(r.chip)).output(r.offset, { activeLow: r.activeLow ?? false });
      case "sysfs-gpio": {
        const { openSysfsOutput } = await import("./drivers/sysfs-gpio.ts");
        const o = await openSysfsOutput(r.line, r.activeLow ?? false, opts.sysfsGpioRoot);
        closers.push(() => o.close());
        return o;
      }
      case "leds-class": {
        const led = await led_(r);
        return { name: led.name, write: (v) => led.set(v), close: () => led.close() };
      }
    }
  };

  const led_ = async (r: OutputRef): Promise<Led> => {
    if (r.kind === "sim") return simLines().led(r.id);
    if (r.kind === "leds-class") {
      const { openClassLed } = await import("./drivers/leds-class.ts");
      return openClassLed(r.name, opts.ledsRoot);
    }
    const o = await output(r);
    return { name: o.name, set: (v) => o.write(v), close: () => o.close() };
  };

  try {
    const handsets: HandsetIo[] = [];
    for (const h of desc.handsets) {
      const io: HandsetIo = {
        id: h.id,
        unit: h.unit,
        dial: h.dial,
        hook: await input(h.hook),
        hookDebounced: h.hook.kind === "evdev",
        lineRelay: await output(h.lineRelay),
        statusLed: await led_(h.statusLed),
        audio: h.audio,
      };
      if (h.keypad) {
        io.keypad = {
          keys: h.keypad.keys,
          columns: await Promise.all(h.keypad.columns.map(output)),
          rows: await Promise.all(h.keypad.rows.map((r) => input(r))),
        };
      }
      if (h.keypadEvdev) {
        const { device, codes } = h.keypadEvdev;
        const dev = await evdev(device);
        const { EV_KEY } = await import("./drivers/evdev.ts");
        io.keyPresses = (listener) =>
          dev.onEvent((ev) => {
            const key = codes[ev.code];
            if (ev.type === EV_KEY && ev.value === 1 && key) listener(key);
          });
      } else if (h.hook.kind === "sim" && opts.simKeys) {
        const simKeys = opts.simKeys;
        io.keyPresses = (listener) => simKeys(h.id, listener);
      }
      handsets.push(io);
    }
    const killSwitches = await Promise.all(
      desc.killSwitches.map(async (k) => ({
        unit: k.unit,
        input: await input(k.input),
        debounced: k.input.kind === "evdev",
      })),
    );
    const panel = await Promise.all(desc.panel.map(async (p) => ({ unit: p.unit, led: await led_(p.output) })));
    let watchdog: BoardIo["watchdog"];
    if (desc.watchdog?.kind === "sim") watchdog = simLines().watchdog();
    else if (desc.watchdog?.kind === "dev-watchdog") {
      const { openDevWatchdog } = await import("./drivers/watchdog.ts");
      watchdog = await openDevWatchdog(desc.watchdog.device);
    }
    return {
      description: desc,
      handsets,
      killSwitches,
      panel,
      ...(watchdog ? { watchdog } : {}),
      temperatureC: async () => {
        if (opts.simTemperatureC) return opts.simTemperatureC();
        if (!desc.thermalZone) return undefined;
        try {
          return Number.parseInt(await readFile(desc.thermalZone, "utf8"), 10) / 1000;
        } catch {
          return undefined;
        }
      },
      faults: () => [...faults, ...(opts.simFaults?.() ?? [])],
      close: async () => {
        await watchdog?.close(true);
        for (const c of closers.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}
