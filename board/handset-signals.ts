import { EMPTY, Observable, type SchedulerLike, asyncScheduler, map, merge, pipe } from "rxjs";
import type { HandsetIo } from "./board-io.ts";
import { type HookSignal, type HookTiming, classifyHook } from "./signals/hook.ts";
import { type KeypadScanTiming, readMatrixOnce, scanKeypad } from "./signals/keypad.ts";
import { DEFAULT_DEBOUNCE_MS, debounceLevel, fromInput } from "./signals/levels.ts";

/** What a handset's hardware says, after debounce and decoding. */
export type HandsetSignal = HookSignal | { kind: "digit"; digit: string; source: "keypad" };

export interface SignalTiming {
  debounceMs: number;
  hook: Partial<HookTiming>;
  keypad: Partial<KeypadScanTiming>;
}

export const DEFAULT_SIGNAL_TIMING: SignalTiming = { debounceMs: DEFAULT_DEBOUNCE_MS, hook: {}, keypad: {} };

/**
 * Serialises keypad scans: on bank-8 the column drives are shared by every keypad, so only one
 * keypad may be scanned at a time.
 */
export class ScanLock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** The decoded signal stream of one handset: hook, flash, rotary digits and keypad digits. */
export function handsetSignals(
  io: HandsetIo,
  timing: Partial<SignalTiming> = {},
  scanLock: ScanLock = new ScanLock(),
  scheduler: SchedulerLike = asyncScheduler,
): Observable<HandsetSignal> {
  const t = { ...DEFAULT_SIGNAL_TIMING, ...timing };
  const hook$ = fromInput(io.hook).pipe(
    pipe(debounceLevel(io.hookDebounced ? 0 : t.debounceMs, scheduler), classifyHook(t.hook, scheduler)),
  );
  let keys$: Observable<string> = EMPTY;
  if (io.keyPresses) {
    const subscribeKeys = io.keyPresses;
    keys$ = new Observable<string>((sub) => subscribeKeys((k) => sub.next(k)));
  } else if (io.keypad) {
    const { keys, columns, rows } = io.keypad;
    keys$ = scanKeypad(
      () =>
        scanLock.run(() =>
          readMatrixOnce(
            keys,
            (c, on) => columns[c]?.write(on) ?? Promise.resolve(),
            (r) => rows[r]?.read() ?? Promise.resolve(false),
          ),
        ),
      t.keypad,
      scheduler,
    );
  }
  return merge(hook$, keys$.pipe(map((digit): HandsetSignal => ({ kind: "digit", digit, source: "keypad" }))));
}
