import { NEVER, type Observable, type OperatorFunction, asyncScheduler, map, merge, timer } from "rxjs";
import { TestScheduler } from "rxjs/testing";

/**
 * Runs `op` over values emitted at absolute virtual times and returns what came out, with the
 * virtual time of each output, inside `TestScheduler.run` (so rxjs's async scheduler, timers
 * and `now()` are all virtual).
 */
export function runVirtual<I, O>(inputs: [number, I][], op: OperatorFunction<I, O>, untilMs: number): [number, O][] {
  const out: [number, O][] = [];
  const ts = new TestScheduler(() => true);
  ts.run(({ flush }) => {
    // A switch never completes: NEVER keeps the source open so pending timers still fire.
    const source: Observable<I> = merge(...inputs.map(([at, v]) => timer(at).pipe(map(() => v))), NEVER);
    const sub = op(source).subscribe((v) => out.push([asyncScheduler.now(), v]));
    timer(untilMs).subscribe(() => sub.unsubscribe());
    flush();
  });
  return out;
}

/** Level changes of a rotary dial sending `digit` (10 pps, `breakMs` break, `makeMs` make) from `startMs`. */
export function rotaryPulses(digit: number, startMs: number, breakMs = 60, makeMs = 40): [number, boolean][] {
  const n = digit === 0 ? 10 : digit;
  const out: [number, boolean][] = [];
  let t = startMs;
  for (let i = 0; i < n; i++) {
    out.push([t, false]);
    t += breakMs;
    out.push([t, true]);
    t += makeMs;
  }
  return out;
}
