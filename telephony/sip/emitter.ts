/**
 * A small typed event emitter. A listener that throws is logged and skipped: one failing
 * observer must never break the SIP stack underneath it.
 */
// biome-ignore lint/suspicious/noExplicitAny: listener argument tuples are checked per event map
type Listener = (...args: any[]) => void;

export class Emitter<E extends { [K in keyof E]: Listener }> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();
  protected onListenerError: (error: unknown) => void = () => undefined;

  on<K extends keyof E>(event: K, listener: E[K]): this {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return this;
  }

  once<K extends keyof E>(event: K, listener: E[K]): this {
    const wrapper = ((...args: Parameters<E[K]>) => {
      this.off(event, wrapper);
      listener(...args);
    }) as E[K];
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, listener: E[K]): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): boolean {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const l of [...set]) {
      try {
        l(...args);
      } catch (e) {
        this.onListenerError(e);
      }
    }
    return true;
  }

  /** Waits for one event; resolves with its arguments. */
  wait<K extends keyof E>(event: K): Promise<Parameters<E[K]>> {
    return new Promise((resolve) => {
      this.once(event, ((...args: Parameters<E[K]>) => resolve(args)) as E[K]);
    });
  }
}
