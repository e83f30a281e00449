/**
 * A clock that remembers the timers set through it, so `libDestroy()` can clear every one the
 * endpoint's layers left behind (a dialog kept filed for 64*T1 after BYE, a registration
 * refresh): with the real clock a forgotten timer would keep the process alive.
 */
import type { Clock, TimerHandle } from "../clock.ts";

export class TrackedClock implements Clock {
  private readonly inner: Clock;
  private readonly live = new Map<number, { handle: TimerHandle; interval: boolean }>();
  private next = 1;
  private readonly ids = new WeakMap<TimerHandle, number>();

  constructor(inner: Clock) {
    this.inner = inner;
  }

  now(): number {
    return this.inner.now();
  }

  monotonic(): number {
    return this.inner.monotonic();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    const handle = this.inner.setTimeout(() => {
      this.live.delete(id);
      fn();
    }, ms);
    this.live.set(id, { handle, interval: false });
    const mine: TimerHandle = { id };
    this.ids.set(mine, id);
    return mine;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    this.clear(handle);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    const handle = this.inner.setInterval(fn, ms);
    this.live.set(id, { handle, interval: true });
    const mine: TimerHandle = { id };
    this.ids.set(mine, id);
    return mine;
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clear(handle);
  }

  private clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const id = this.ids.get(handle) ?? handle.id;
    const t = this.live.get(id);
    if (!t) return;
    if (t.interval) this.inner.clearInterval(t.handle);
    else this.inner.clearTimeout(t.handle);
    this.live.delete(id);
  }

  /** Timers still set through this clock. */
  pending(): number {
    return this.live.size;
  }

  /** Clears every timer set through this clock. */
  clearAll(): void {
    for (const t of this.live.values()) {
      if (t.interval) this.inner.clearInterval(t.handle);
      else this.inner.clearTimeout(t.handle);
    }
    this.live.clear();
  }
}
