import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from "rxjs";

/**
 * What a handset's hook loop means, read from its debounced level (true = off-hook, loop
 * closed). One pipeline decodes lifting, hanging up, hook flash and rotary pulses, because a
 * rotary dial signals by breaking that same loop.
 */
export type HookSignal =
  | { kind: "off-hook" }
  | { kind: "hang-up" }
  | { kind: "flash"; breakMs: number }
  | { kind: "digit"; digit: string; source: "rotary" };

export interface HookTiming {
  /**
   * A break shorter than this is a dial pulse. Rotary dials pulse at 10 pps with ~60/40
   * break/make (US 61/39, Europe 67/33): a nominal break is 60-67 ms, and equipment accepts
   * 15-200 ms (telephony.md). 100 ms keeps nominal pulses and leaves room for flash.
   */
  pulseMaxBreakMs: number;
  /** "100-800 ms on-hook is a flash" (telephony.md): breaks in [flashMinMs, flashMaxMs]. */
  flashMinMs: number;
  flashMaxMs: number;
  /** "Longer than about 1 s is a hang-up": reported as soon as the break reaches it. */
  hangupMs: number;
  /**
   * The loop staying closed this long ends a rotary digit. Make between pulses is ~40 ms and
   * the inter-digit pause at least ~300 ms, so 200 ms separates them with margin either side.
   */
  interDigitMs: number;
}

export const DEFAULT_HOOK_TIMING: HookTiming = {
  pulseMaxBreakMs: 100,
  flashMinMs: 100,
  flashMaxMs: 800,
  hangupMs: 1000,
  interDigitMs: 200,
};

/**
 * Classifies debounced hook levels. Breaks between flashMaxMs and hangupMs are neither a flash
 * nor a hang-up and are ignored (the caller was still holding the switch down; the loop came
 * back before the hang-up threshold).
 */
export function classifyHook(
  timing: Partial<HookTiming> = {},
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<boolean, HookSignal> {
  const t = { ...DEFAULT_HOOK_TIMING, ...timing };
  return (source) =>
    new Observable<HookSignal>((out) => {
      let offHook = false; // the logical state we have reported
      let level: boolean | undefined;
      let breakStart = 0;
      let pulses = 0;
      let hangupTimer: Subscription | undefined;
      let digitTimer: Subscription | undefined;

      const flushDigit = () => {
        digitTimer?.unsubscribe();
        digitTimer = undefined;
        if (pulses >= 1 && pulses <= 10) out.next({ kind: "digit", digit: String(pulses % 10), source: "rotary" });
        pulses = 0;
      };

      const sub = source.subscribe({
        next: (closed) => {
          if (closed === level) return;
          const first = level === undefined;
          level = closed;
          if (first) {
            // Starting off-hook counts as a lift: the firmware may restart with a handset up.
            if (closed) {
              offHook = true;
              out.next({ kind: "off-hook" });
            }
            return;
          }
          if (!offHook) {
            if (closed) {
              offHook = true;
              out.next({ kind: "off-hook" });
            }
            return;
          }
          if (!closed) {
            breakStart = scheduler.now();
            digitTimer?.unsubscribe();
            digitTimer = undefined;
            hangupTimer = scheduler.schedule(() => {
              hangupTimer = undefined;
              pulses = 0;
              offHook = false;
              out.next({ kind: "hang-up" });
            }, t.hangupMs);
            return;
          }
          hangupTimer?.unsubscribe();
          hangupTimer = undefined;
          const breakMs = scheduler.now() - breakStart;
          if (breakMs < t.pulseMaxBreakMs) {
            pulses++;
            digitTimer = scheduler.schedule(flushDigit, t.interDigitMs);
          } else {
            flushDigit();
            if (breakMs >= t.flashMinMs && breakMs <= t.flashMaxMs) out.next({ kind: "flash", breakMs });
          }
        },
        error: (e) => out.error(e),
        complete: () => out.complete(),
      });
      return () => {
        sub.unsubscribe();
        hangupTimer?.unsubscribe();
        digitTimer?.unsubscribe();
      };
    });
}
