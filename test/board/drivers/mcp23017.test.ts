import test from "ava";
import { Mcp23017, REG } from "../../../board/drivers/mcp23017.ts";
import { Mcp23017Model } from "./mcp23017-model.ts";

async function settle(chip: Mcp23017): Promise<void> {
  await chip.service(); // wait for any service already queued
  await new Promise((r) => setImmediate(r));
  await chip.service();
}

async function setup(inputs = [0, 1, 2, 3, 8], outputs = [4, 5]) {
  const model = new Mcp23017Model(0x20);
  const chip = new Mcp23017(model, 0x20, { inputs, outputs });
  const changes: string[] = [];
  chip.onChange((c) => changes.push(`${c.pin}:${c.level ? 1 : 0}`));
  await chip.init(model.interrupt);
  return { model, chip, changes };
}

test("init configures inputs with pull-ups and interrupt-on-change, outputs via IODIR", async (t) => {
  const { model } = await setup();
  t.is(model.regs[REG.IODIRA], 0b1100_1111);
  t.is(model.regs[REG.GPPUA], 0b0000_1111);
  t.is(model.regs[REG.GPPUB], 0b0000_0001);
  t.is(model.regs[REG.GPINTENA], 0b0000_1111);
  t.is(model.regs[REG.INTCONA], 0, "INTCON = 0: compare against the previous value");
  t.true(((model.regs[REG.IOCON] as number) & 0x40) !== 0, "IOCON.MIRROR ORs INTB into INTA");
});

test("a pin change raises INT; the driver reads INTF then INTCAP and reports the pin", async (t) => {
  const { model, chip, changes } = await setup();
  model.log.length = 0;
  model.setPin(2, false);
  t.true(model.intLine());
  await settle(chip);
  t.deepEqual(changes, ["2:0"]);
  t.false(model.intLine(), "reading INTCAP/GPIO clears the interrupt");
  const reads = model.log.filter((l) => l.startsWith("r"));
  t.deepEqual(reads.slice(0, 4), ["r0e", "r0f", "r10", "r11"], "INTFA, INTFB, INTCAPA, INTCAPB in that order");
});

test("port B pins interrupt through the mirrored INTA line", async (t) => {
  const { model, chip, changes } = await setup();
  model.setPin(8, false);
  t.true(model.intLine());
  await settle(chip);
  t.deepEqual(changes, ["8:0"]);
});

test("no new interrupt fires until INTCAP or GPIO is read (INTCAP latch)", async (t) => {
  const model = new Mcp23017Model(0x20);
  const chip = new Mcp23017(model, 0x20, { inputs: [0, 1], outputs: [] });
  await chip.init(); // no INT line: the test services by hand
  let edges = 0;
  model.interrupt.watch((v) => v && edges++);
  model.setPin(0, false);
  model.setPin(1, false);
  model.setPin(0, true);
  t.is(edges, 1, "one interrupt for three changes while latched");
  t.is(model.regs[REG.INTFA], 0b01, "INTF names only the first pin");
  t.is((model.regs[REG.INTCAPA] as number) & 0b11, 0b10, "INTCAP holds the port at the first change");
  const changes: string[] = [];
  chip.onChange((c) => changes.push(`${c.pin}:${c.level ? 1 : 0}`));
  await chip.service();
  // The captured press of pin 0 is reported even though it was released before service,
  // then GPIO gives the present levels (changes within one read come in pin order).
  t.deepEqual(changes, ["0:0", "0:1", "1:0"]);
  model.setPin(1, true);
  t.is(edges, 2, "after the read, a new change interrupts again");
});

test("a short key press that came and went while latched is not lost", async (t) => {
  const { model, chip } = await setup([0], []);
  const seen: boolean[] = [];
  chip.input(0, true).watch((v) => seen.push(v));
  // The driver's service is asynchronous: both edges happen before it runs.
  model.setPin(0, false);
  model.setPin(0, true);
  await settle(chip);
  t.deepEqual(seen, [true, false], "press then release (active-low logical levels)");
});

test("outputs write OLAT, read-modify-write per port", async (t) => {
  const { model, chip } = await setup();
  await chip.output(4).write(true);
  await chip.output(5, true).write(false);
  t.true(model.outputLevel(4));
  t.true(model.outputLevel(5), "active-low output inactive = high");
  await chip.output(4).write(false);
  t.false(model.outputLevel(4));
  await t.throwsAsync(chip.writePin(0, true), { message: /not an output/ });
});

test("an absent chip fails init with a clear error instead of crashing", async (t) => {
  const model = new Mcp23017Model(0x20);
  model.absent = true;
  const chip = new Mcp23017(model, 0x20, { inputs: [0], outputs: [] });
  await t.throwsAsync(chip.init(), { message: /Remote I\/O/ });
  t.throws(() => new Mcp23017(model, 0x30, { inputs: [], outputs: [] }), { instanceOf: RangeError });
});

test("a bus error during interrupt service goes to onError, not an unhandled rejection", async (t) => {
  const { model, chip } = await setup();
  const errors: unknown[] = [];
  chip.onError((e) => errors.push(e));
  model.absent = true;
  model.setPin(1, false);
  await settle(chip);
  t.true(errors.length >= 1);
});

test("a line that stays asserted after every service is reported once as stuck, and services do not pile up", async (t) => {
  const model = new Mcp23017Model(0x20);
  const chip = new Mcp23017(model, 0x20, { inputs: [0], outputs: [] });
  // An interrupt line shorted low: asserted whatever the chip does; listeners as a level poller.
  const listeners = new Set<(v: boolean) => void>();
  const stuck = {
    name: "stuck-inta",
    read: async () => true,
    watch: (l: (v: boolean) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: async () => {},
  };
  const errors: string[] = [];
  chip.onError((e) => errors.push((e as Error).message));
  await chip.init(stuck);
  const gpioReads = () => model.log.filter((l) => l === "r12").length; // GPIOA
  t.is(gpioReads(), 1 + Mcp23017.MAX_SERVICE_ROUNDS, "init's read, then one bounded service loop");
  t.deepEqual(errors, [`INTA still asserted after ${Mcp23017.MAX_SERVICE_ROUNDS} services (interrupt line stuck?)`]);
  // Three polls report it asserted; the last two come while the first one's service runs.
  for (const l of listeners) l(true);
  for (const l of listeners) l(true);
  for (const l of listeners) l(true);
  await new Promise((r) => setTimeout(r, 5));
  t.is(gpioReads(), 1 + Mcp23017.MAX_SERVICE_ROUNDS + 1, "once stuck, one service; polls during it fold into it");
  for (const l of listeners) l(true);
  await new Promise((r) => setTimeout(r, 5));
  t.is(gpioReads(), 1 + Mcp23017.MAX_SERVICE_ROUNDS + 2, "the next poll, one more");
  t.is(errors.length, 1, "reported once");
  await chip.close();
});
