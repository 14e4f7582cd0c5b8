// One-shot waits for the exit of one pid or one exec. They are not
// subscriptions: each is a small record in a map, settled by publish and
// removed by settle, timeout or abort, so none can leak.
import type { ExitEvent } from './exit-event.js';

export interface Waiter {
  resolve(event: ExitEvent): void;
  reject(reason: unknown): void;
  /** For exec waits: the container the exit must belong to, if any. */
  readonly containerId?: string;
}

export class Waiters<K> {
  readonly #map = new Map<K, Set<Waiter>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(key: K, waiter: Waiter): void {
    let set = this.#map.get(key);
    if (set === undefined) this.#map.set(key, (set = new Set()));
    set.add(waiter);
    this.#size++;
  }

  remove(key: K, waiter: Waiter): void {
    const set = this.#map.get(key);
    if (set === undefined || !set.delete(waiter)) return;
    this.#size--;
    if (set.size === 0) this.#map.delete(key);
  }

  // Resolves and removes every waiter of `key` that `accepts` the event.
  settle(key: K, event: ExitEvent, accepts: (waiter: Waiter) => boolean = () => true): void {
    const set = this.#map.get(key);
    if (set === undefined) return;
    for (const waiter of set) {
      if (!accepts(waiter)) continue;
      this.remove(key, waiter);
      waiter.resolve(event);
    }
  }

  // Rejects and removes every waiter.
  rejectAll(reason: () => unknown): void {
    for (const [key, set] of this.#map) for (const waiter of set) {
      this.remove(key, waiter);
      waiter.reject(reason());
    }
  }
}
