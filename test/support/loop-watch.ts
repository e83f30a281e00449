/**
 * Watches this thread's event loop while a piece of work runs (the import and block-rebuild
 * tests, the controller bench): between ticks of a 10 ms interval, the gap beyond the 10 ms and
 * the part of it the loop was busy (perf_hooks' event-loop utilisation: callbacks and
 * synchronous calls, but not time the thread sat ready without a CPU, which on a loaded shared
 * machine alone reaches 100 to 400 ms); perf_hooks' event-loop delay histogram; and the longest
 * garbage-collection pause, which no slicing of the work can shorten.
 */
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";

export const loopTickMs = 10;

export interface LoopStall {
  /** The most the loop was busy between two ticks. */
  maxBusyMs: number;
  /** The longest gap between two ticks beyond the tick, waiting for a CPU included. */
  maxGapMs: number;
  /** The event-loop delay histogram's maximum. */
  maxDelayMs: number;
  /** The longest garbage-collection pause. */
  maxGcMs: number;
}

export function watchLoop(): { stop(): Promise<LoopStall> } {
  const h = monitorEventLoopDelay({ resolution: loopTickMs });
  h.enable();
  let maxGc = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) maxGc = Math.max(maxGc, e.duration);
  });
  gc.observe({ entryTypes: ["gc"] });
  let last = performance.now();
  let lastElu = performance.eventLoopUtilization();
  let maxGap = 0;
  let maxBusy = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const elu = performance.eventLoopUtilization();
    maxGap = Math.max(maxGap, now - last - loopTickMs);
    maxBusy = Math.max(maxBusy, performance.eventLoopUtilization(elu, lastElu).active);
    last = now;
    lastElu = elu;
  }, loopTickMs);
  return {
    async stop() {
      // One more tick, so a stall that has just ended is counted.
      await new Promise((r) => setTimeout(r, 3 * loopTickMs));
      clearInterval(timer);
      h.disable();
      gc.disconnect();
      return { maxBusyMs: maxBusy, maxGapMs: maxGap, maxDelayMs: h.max / 1e6, maxGcMs: maxGc };
    },
  };
}
