import {
  Observable,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  asyncScheduler,
  debounceTime,
  distinctUntilChanged,
} from "rxjs";
import type { DigitalInput } from "../drivers/interfaces.ts";

/** A digital input as a stream of levels: its current level first, then every change. */
export function fromInput(input: DigitalInput): Observable<boolean> {
  return new Observable<boolean>((sub) => {
    let live = true;
    const unwatch = input.watch((v) => sub.next(v));
    input.read().then(
      (v) => live && sub.next(v),
      (err) => live && sub.error(err),
    );
    return () => {
      live = false;
      unwatch();
    };
  });
}

/**
 * Switch debounce: a level counts once it has held for `ms` without bouncing. Mechanical hook
 * switches and keypads settle within ~5-20 ms (telephony.md; Linux gpio-keys uses 5 ms), so the
 * default is 10 ms. Inputs already debounced by the kernel (gpio-keys) pass through with 0.
 */
export const DEFAULT_DEBOUNCE_MS = 10;

export function debounceLevel(
  ms = DEFAULT_DEBOUNCE_MS,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<boolean> {
  return (source) =>
    ms > 0 ? source.pipe(debounceTime(ms, scheduler), distinctUntilChanged()) : source.pipe(distinctUntilChanged());
}
