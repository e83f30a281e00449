import test from "ava";
import { asyncScheduler, timer } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { type MatrixReading, debounceKeys, readMatrixOnce, scanKeypad } from "../../../board/signals/keypad.ts";

const KEYS = [
  ["1", "2", "3"],
  ["4", "5", "6"],
  ["7", "8", "9"],
  ["*", "0", "#"],
];

test("a key counts once it reads the same on stableScans consecutive scans", (t) => {
  const ts = new TestScheduler((a, e) => t.deepEqual(a, e));
  ts.run(({ cold, expectObservable }) => {
    // n = nothing; the 5 bounces to nothing once before settling; 8 is a one-scan glitch.
    const readings = cold("nn5n555555nnn8nn", { n: null as MatrixReading, 5: "5", 8: "8" });
    expectObservable(readings.pipe(debounceKeys(3))).toBe("------5---------");
  });
});

test("a held key is reported once; pressing it again after release reports it again", (t) => {
  const ts = new TestScheduler((a, e) => t.deepEqual(a, e));
  ts.run(({ cold, expectObservable }) => {
    const readings = cold("111111111nnn111", { n: null as MatrixReading, 1: "1" });
    expectObservable(readings.pipe(debounceKeys(3))).toBe("--1-----------1");
  });
});

test("scanning every 5 ms with 3 stable scans reports a key 15 ms after it closes, in virtual time", (t) => {
  const seen: [number, string][] = [];
  const ts = new TestScheduler(() => true);
  ts.run(({ flush }) => {
    let down: string | null = null;
    timer(52).subscribe(() => {
      down = "#";
    });
    timer(120).subscribe(() => {
      down = null;
    });
    const sub = scanKeypad(() => down).subscribe((k) => seen.push([asyncScheduler.now(), k]));
    timer(300).subscribe(() => sub.unsubscribe());
    flush();
  });
  t.deepEqual(seen, [[65, "#"]], "scans at 55, 60, 65 ms agree");
});

test("readMatrixOnce drives one column at a time and finds the key at the crossing", async (t) => {
  const driven: string[] = [];
  let active = -1;
  const pressed = { row: 2, col: 1 }; // "8"
  const key = await readMatrixOnce(
    KEYS,
    async (c, on) => {
      driven.push(`${c}${on ? "+" : "-"}`);
      active = on ? c : -1;
    },
    async (r) => active === pressed.col && r === pressed.row,
  );
  t.is(key, "8");
  t.deepEqual(driven, ["0+", "0-", "1+", "1-"], "stops after the column with the key, releasing every column it drove");
  t.is(
    await readMatrixOnce(
      KEYS,
      async () => {},
      async () => false,
    ),
    null,
  );
});
