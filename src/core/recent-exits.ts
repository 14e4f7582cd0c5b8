// The recent-exits cache: the last exit of each of the most recent pids and
// execs, so that a wait that starts after the exit still gets it (the race
// containerd closed with subscribe-before-start). Bounded, oldest evicted.
import type { ExitEvent } from './exit-event.js';

/** Default number of recent exits remembered. */
export const DEFAULT_RECENT_EXITS = 1024;

export class RecentExits {
  readonly #capacity: number;
  // Maps iterate in insertion order: the first key is the oldest entry.
  readonly #byPid = new Map<number, ExitEvent>();
  readonly #byExec = new Map<string, ExitEvent>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  remember(event: ExitEvent): void {
    if (this.#capacity === 0) return;
    put(this.#byPid, event.pid, event, this.#capacity);
    if (event.execId !== undefined) put(this.#byExec, event.execId, event, this.#capacity);
  }

  byPid(pid: number): ExitEvent | undefined {
    return this.#byPid.get(pid);
  }

  byExec(execId: string): ExitEvent | undefined {
    return this.#byExec.get(execId);
  }

  clear(): void {
    this.#byPid.clear();
    this.#byExec.clear();
  }
}

function put<K>(map: Map<K, ExitEvent>, key: K, event: ExitEvent, capacity: number): void {
  // delete + set moves a known key to the newest end.
  if (!map.delete(key) && map.size >= capacity) {
    map.delete(map.keys().next().value as K);
  }
  map.set(key, event);
}
