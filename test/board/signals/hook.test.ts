import test from "ava";
import { pipe } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { DEFAULT_HOOK_TIMING, classifyHook } from "../../../board/signals/hook.ts";
import { debounceLevel } from "../../../board/signals/levels.ts";
import { rotaryPulses, runVirtual } from "./virtual.ts";

const kinds = (out: [number, { kind: string; digit?: string }][]) =>
  out.map(([at, s]) => `${at}:${s.kind}${s.digit ?? ""}`);

test("a level must hold for the debounce time to count; bounces within it are ignored", (t) => {
  const ts = new TestScheduler((a, e) => t.deepEqual(a, e));
  ts.run(({ cold, expectObservable }) => {
    // Contact bounce at 0-4 ms settles closed; at 41 ms a 2 ms glitch opens and recloses.
    const src = cold("fbaba 36ms b-a", { a: true, b: false, f: false });
    expectObservable(src.pipe(debounceLevel(10))).toBe("14ms a", { a: true });
  });
});

test("lifting the handset is reported at once", (t) => {
  const out = runVirtual(
    [
      [0, false],
      [500, true],
    ],
    classifyHook(),
    3000,
  );
  t.deepEqual(kinds(out), ["500:off-hook"]);
});

test("longer than about 1 s on-hook is a hang-up, reported when the second is up", (t) => {
  const out = runVirtual(
    [
      [0, true],
      [1000, false],
    ],
    classifyHook(),
    5000,
  );
  t.deepEqual(kinds(out), ["0:off-hook", "2000:hang-up"]);
});

test("100-800 ms on-hook is a hook flash, not a hang-up", (t) => {
  for (const breakMs of [100, 300, 800]) {
    const out = runVirtual(
      [
        [0, true],
        [1000, false],
        [1000 + breakMs, true],
      ],
      classifyHook(),
      5000,
    );
    t.deepEqual(
      out.map(([, s]) => s),
      [{ kind: "off-hook" }, { kind: "flash", breakMs }],
      `${breakMs} ms`,
    );
  }
});

test("a break between the flash window and the hang-up threshold is neither", (t) => {
  const out = runVirtual(
    [
      [0, true],
      [1000, false],
      [1900, true],
    ],
    classifyHook(),
    5000,
  );
  t.deepEqual(kinds(out), ["0:off-hook"]);
});

test("rotary: 10 pulses per second at 60/40 decode to digits, 0 being ten pulses", (t) => {
  const input: [number, boolean][] = [[0, true]];
  let at = 1000;
  const digits = [3, 0, 7, 1];
  for (const d of digits) {
    const p = rotaryPulses(d, at);
    input.push(...p);
    at = (p.at(-1)?.[0] ?? at) + 700; // typical 700 ms inter-digit pause
  }
  const out = runVirtual(input, classifyHook(), at + 2000);
  t.deepEqual(
    out.map(([, s]) => ("digit" in s ? s.digit : s.kind)),
    ["off-hook", "3", "0", "7", "1"],
  );
  // A digit is reported interDigitMs after its last pulse's make (third break ends at 1260 ms).
  t.is(out[1]?.[0], 1000 + 2 * 100 + 60 + DEFAULT_HOOK_TIMING.interDigitMs);
});

test("rotary at European 67/33 and slow 61/39 ratios decodes the same", (t) => {
  for (const [b, m] of [
    [67, 33],
    [61, 39],
  ] as const) {
    const out = runVirtual([[0, true], ...rotaryPulses(5, 500, b, m)], classifyHook(), 3000);
    t.deepEqual(
      out.map(([, s]) => ("digit" in s ? s.digit : s.kind)),
      ["off-hook", "5"],
      `${b}/${m}`,
    );
  }
});

test("hanging up in the middle of a rotary digit drops the partial digit", (t) => {
  const pulses = rotaryPulses(4, 500).slice(0, 4); // two pulses, then the loop stays open
  const out = runVirtual([[0, true], ...pulses, [pulses.at(-1)![0] + 40, false]], classifyHook(), 4000);
  t.deepEqual(
    out.map(([, s]) => s.kind),
    ["off-hook", "hang-up"],
  );
});

test("debounced hook bounce does not fake dial pulses", (t) => {
  // A lift with 3 ms contact bounce; pipe debounce then classify as the firmware does.
  const input: [number, boolean][] = [
    [0, false],
    [100, true],
    [101, false],
    [102, true],
    [104, false],
    [105, true],
  ];
  const out = runVirtual(input, pipe(debounceLevel(10), classifyHook()), 3000);
  t.deepEqual(kinds(out), ["115:off-hook"]);
});
