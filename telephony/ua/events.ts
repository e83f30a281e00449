/**
 * The event plumbing behind the public objects (Call, Account, player...). A listener that
 * throws is reported to `onError` and skipped: one failing observer must never break a call
 * or the SIP stack underneath it (STYLE: "every listener wrapped").
 */
type Listener = (...args: never[]) => void;

export class Listeners {
  private readonly map = new Map<string, Set<Listener>>();
  private readonly onError: (event: string, error: unknown) => void;

  constructor(onError: (event: string, error: unknown) => void) {
    this.onError = onError;
  }

  on(event: string, listener: Listener): void {
    let set = this.map.get(event);
    if (!set) {
      set = new Set();
      this.map.set(event, set);
    }
    set.add(listener);
  }

  off(event: string, listener: Listener): void {
    this.map.get(event)?.delete(listener);
  }

  count(event: string): number {
    return this.map.get(event)?.size ?? 0;
  }

  emit(event: string, ...args: unknown[]): void {
    const set = this.map.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (e) {
        this.onError(event, e);
      }
    }
  }

  clear(): void {
    this.map.clear();
  }
}
