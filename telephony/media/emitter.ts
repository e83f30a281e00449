/**
 * A small event emitter with the `on`/`off` shape of the telephony API. A listener that throws
 * is reported and skipped: one failing observer never stops the others or the media path.
 */
type Listener = (...args: never[]) => void;

export class Emitter {
  private readonly listeners = new Map<string, Listener[]>();
  /** Where listener errors go; default console.error. */
  protected reportListenerError: (event: string, err: unknown) => void = (event, err) => {
    console.error(`listener for "${event}" threw`, err);
  };

  on(event: string, listener: Listener): this {
    const list = this.listeners.get(event);
    if (list) list.push(listener);
    else this.listeners.set(event, [listener]);
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapped = ((...args: never[]) => {
      this.off(event, wrapped);
      listener(...args);
    }) as Listener;
    return this.on(event, wrapped);
  }

  off(event: string, listener: Listener): this {
    const list = this.listeners.get(event);
    if (!list) return this;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }

  protected emit(event: string, ...args: unknown[]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const l of [...list]) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.reportListenerError(event, err);
      }
    }
  }
}
