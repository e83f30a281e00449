import test from "ava";
import type { BoardDescription } from "../../board/descriptions/types.ts";
import { openBoard } from "../../board/factory.ts";
import { handsetSignals } from "../../board/handset-signals.ts";
import { SimLines } from "../../board/sim/lines.ts";
import { Mcp23017Model } from "./drivers/mcp23017-model.ts";

const KEYS = [
  ["1", "2", "3"],
  ["4", "5", "6"],
  ["7", "8", "9"],
  ["*", "0", "#"],
];

/**
 * bank-8's keypad wiring in miniature: shared column drives on SoC lines, the keypad's four rows
 * on MCP23017 pins with pull-ups. A pressed key joins its row to its column, so the row reads low
 * while that column is driven.
 */
test("a keypad scanned through the MCP23017 register model reports each press once", async (t) => {
  const model = new Mcp23017Model(0x20);
  const lines = new SimLines();
  model.interrupt.watch((v) => lines.setInput("int", v));
  const desc: BoardDescription = {
    name: "keypad-test",
    summary: "",
    expanders: [{ id: "keys", bus: 1, address: 0x20, interrupt: { kind: "sim", id: "int" } }],
    handsets: [
      {
        id: "h1",
        unit: "A",
        hook: { kind: "sim", id: "h1.hook" },
        dial: "dtmf-keypad",
        keypad: {
          columns: [0, 1, 2].map((c) => ({ kind: "sim" as const, id: `col${c}` })),
          rows: [0, 1, 2, 3].map((r) => ({ kind: "mcp23017" as const, expander: "keys", pin: r, activeLow: true })),
          keys: KEYS,
        },
        lineRelay: { kind: "sim", id: "h1.relay" },
        statusLed: { kind: "sim", id: "h1.led" },
        audio: { kind: "sim" },
      },
    ],
    killSwitches: [],
    panel: [],
  };
  let pressed: { row: number; col: number } | undefined;
  const rewire = () => {
    for (let r = 0; r < 4; r++) {
      const low = pressed !== undefined && pressed.row === r && lines.getOutput(`col${pressed.col}`);
      model.setPin(r, !low);
    }
  };
  lines.onOutput(rewire);
  const io = await openBoard(desc, { sim: lines, openI2c: async () => model });
  t.teardown(() => io.close());
  const keys: string[] = [];
  const sub = handsetSignals(io.handsets[0]!).subscribe((s) => s.kind === "digit" && keys.push(s.digit));
  t.teardown(() => sub.unsubscribe());

  const until = async (pred: () => boolean, what: string) => {
    const start = Date.now();
    while (!pred()) {
      if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  // Hold each key until the scanner has reported it, then keep it released for several full
  // scans (counted in GPIO reads on the bus, not in milliseconds).
  const press = async (key: string) => {
    const row = KEYS.findIndex((r) => r.includes(key));
    const before = keys.length;
    pressed = { row, col: KEYS[row]!.indexOf(key) };
    rewire();
    await until(() => keys.length > before, `key ${key}`);
    const held = model.log.length;
    await until(() => model.log.length > held + 100, "scans with the key still held");
    pressed = undefined;
    rewire();
    const reads = model.log.length;
    await until(() => model.log.length > reads + 100, "scans with the key released");
  };
  await press("5");
  await press("#");
  await press("5");
  t.deepEqual(keys, ["5", "#", "5"], "each press reported once, however long it was held");
  t.true(
    model.log.some((l) => l === "r12"),
    "rows were read from GPIOA over the bus",
  );
});
