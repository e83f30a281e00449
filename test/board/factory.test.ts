import test from "ava";
import { bank8 } from "../../board/descriptions/bank-8.ts";
import { describeBoard } from "../../board/descriptions/index.ts";
import { sim } from "../../board/descriptions/sim.ts";
import type { BoardDescription } from "../../board/descriptions/types.ts";
import { DeviceUnavailableError } from "../../board/drivers/interfaces.ts";
import { openBoard } from "../../board/factory.ts";
import { SimLines } from "../../board/sim/lines.ts";
import { Mcp23017Model } from "./drivers/mcp23017-model.ts";

test("bank-8 describes 8 handsets in 4 units, 2 expanders whose 32 pins are the keypad rows", (t) => {
  t.is(bank8.handsets.length, 8);
  t.deepEqual([...new Set(bank8.handsets.map((h) => h.unit))], ["A", "B", "C", "D"]);
  t.is(bank8.killSwitches.length, 4);
  t.is(bank8.panel.length, 4);
  t.is(bank8.expanders.length, 2);
  const rowPins = bank8.handsets
    .flatMap((h) => h.keypad?.rows ?? [])
    .map((r) => (r.kind === "mcp23017" ? `${r.expander}:${r.pin}` : "?"));
  t.is(new Set(rowPins).size, 32, "every row on its own expander pin");
  t.truthy(bank8.watchdog);
  t.throws(() => describeBoard("nope"), { message: /known: bank-8, qemu-virt, sim/ });
});

test("bank-8 uses no sysfs GPIO: relays, column drives and INTA lines are character-device lines, one audio adapter per handset", (t) => {
  const lines = [
    ...bank8.handsets.flatMap((h) => [h.lineRelay, ...(h.keypad?.columns ?? [])]),
    ...bank8.expanders.map((e) => e.interrupt),
  ];
  t.true(lines.every((l) => l?.kind === "gpio-cdev"));
  for (const e of bank8.expanders) {
    // INTA is active-low open drain (IOCON.ODR): inverted and pulled up by the kernel
    t.like(e.interrupt, { kind: "gpio-cdev", activeLow: true, bias: "pull-up" });
  }
  const relays = bank8.handsets.map((h) => (h.lineRelay.kind === "gpio-cdev" ? h.lineRelay.offset : -1));
  t.is(new Set(relays).size, 8, "a relay line per handset");
  const audio = bank8.handsets.map((h) => (h.audio.kind === "alsa" ? h.audio.device : ""));
  t.deepEqual(
    audio,
    [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `plughw:CARD=Handset${n},DEV=0`),
  );
});

test("the sim board opens with in-memory lines and no hardware modules", async (t) => {
  const lines = new SimLines();
  const io = await openBoard(sim, { sim: lines });
  t.teardown(() => io.close());
  t.is(io.handsets.length, 8);
  const h1 = io.handsets[0]!;
  const seen: boolean[] = [];
  h1.hook.watch((v) => seen.push(v));
  lines.setInput("h1.hook", true);
  t.deepEqual(seen, [true]);
  await h1.lineRelay.write(true);
  t.true(lines.getOutput("h1.relay"));
  await io.watchdog?.kick();
  t.is(lines.watchdogKicks, 1);
});

test("bank-8 on a machine without its devices fails with DeviceUnavailableError, not a crash", async (t) => {
  const err = await t.throwsAsync(openBoard(bank8), { instanceOf: DeviceUnavailableError });
  t.is(err?.osCode, "ENOENT");
});

test("expander pins named by a description are configured on the chip the factory opens", async (t) => {
  const model = new Mcp23017Model(0x20);
  const lines = new SimLines();
  const desc: BoardDescription = {
    name: "expander-test",
    summary: "",
    expanders: [{ id: "x", bus: 1, address: 0x20, interrupt: { kind: "sim", id: "int" } }],
    handsets: [
      {
        id: "h1",
        unit: "A",
        hook: { kind: "mcp23017", expander: "x", pin: 0, activeLow: true },
        dial: "rotary",
        lineRelay: { kind: "mcp23017", expander: "x", pin: 8 },
        statusLed: { kind: "mcp23017", expander: "x", pin: 9 },
        audio: { kind: "sim" },
      },
    ],
    killSwitches: [],
    panel: [],
  };
  // The INT line of the model drives the sim line the description names.
  model.interrupt.watch((v) => lines.setInput("int", v));
  const io = await openBoard(desc, { sim: lines, openI2c: async () => model });
  t.teardown(() => io.close());
  const hook = io.handsets[0]!.hook;
  const lifted = new Promise<boolean>((resolve) => hook.watch(resolve));
  model.setPin(0, false); // hook switch closes to ground
  t.true(await lifted);
  await io.handsets[0]!.lineRelay.write(true);
  t.true(model.outputLevel(8));
});
