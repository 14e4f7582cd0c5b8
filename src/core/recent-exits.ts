// The recent-exits cache: the exits of the last N publishes, indexed by pid
// and by execId, so that a wait that starts after the exit still gets it (the
// race containerd closed with subscribe-before-start).
//
// The events sit in a ring (one store per publish); the maps point at the
// newest event per key. Evicting the oldest event deletes its map entry only
// if nothing newer replaced it. Unlike an LRU Map (delete + set on every
// publish), this never re-orders or rehashes a key that is published again.
import type { ExitEvent } from './exit-event.js';

/** Default number of recent exits remembered. */
export const DEFAULT_RECENT_EXITS = 1024;

export class RecentExits {
  readonly #ring: (ExitEvent | undefined)[];
  #next = 0; // slot the next event goes to (holds the oldest once full)
  readonly #byPid = new Map<number, ExitEvent>();
  readonly #byExec = new Map<string, ExitEvent>();

  constructor(capacity: number) {
    this.#ring = new Array<ExitEvent | undefined>(capacity).fill(undefined);
  }

  remember(event: ExitEvent): void {
    const ring = this.#ring;
    if (ring.length === 0) return;
    const slot = this.#next;
    const evicted = ring[slot];
    if (evicted !== undefined) this.#forget(evicted);
    ring[slot] = event;
    this.#next = slot + 1 === ring.length ? 0 : slot + 1;
    this.#byPid.set(event.pid, event);
    if (event.execId !== undefined) this.#byExec.set(event.execId, event);
  }

  byPid(pid: number): ExitEvent | undefined {
    return this.#byPid.get(pid);
  }

  byExec(execId: string): ExitEvent | undefined {
    return this.#byExec.get(execId);
  }

  // Drops the index entries that still point at an event leaving the ring.
  #forget(event: ExitEvent): void {
    if (this.#byPid.get(event.pid) === event) this.#byPid.delete(event.pid);
    if (event.execId !== undefined && this.#byExec.get(event.execId) === event) this.#byExec.delete(event.execId);
  }
}
