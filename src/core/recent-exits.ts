// The recent-exits cache: the exits of the last N publishes, so that a wait
// that starts after the exit still gets it (the race containerd closed with
// subscribe-before-start).
//
// A plain ring: remembering costs one store per publish, which is the hot
// path. Look-ups (waitPid, waitExec, lastExit: rare) scan it newest first,
// O(N): about a microsecond for the default 1,024. Maps indexed by pid cost
// a hash insert and a delete on every publish instead.
import type { ExitEvent } from './exit-event.js';

/** Default number of recent exits remembered. */
export const DEFAULT_RECENT_EXITS = 1024;

// Marks a forgotten slot: not undefined, because undefined ends the scan
// (empty slots only exist past the newest entry).
const FORGOTTEN = Object.freeze({ pid: -1 }) as ExitEvent;

export class RecentExits {
  readonly #ring: (ExitEvent | undefined)[];
  #next = 0; // slot the next event goes to (holds the oldest once full)

  constructor(capacity: number) {
    this.#ring = new Array<ExitEvent | undefined>(capacity).fill(undefined);
  }

  remember(event: ExitEvent): void {
    const ring = this.#ring;
    if (ring.length === 0) return;
    const slot = this.#next;
    ring[slot] = event;
    this.#next = slot + 1 === ring.length ? 0 : slot + 1;
  }

  /** The newest remembered exit of `pid`. */
  byPid(pid: number): ExitEvent | undefined {
    return this.#newest((e) => e.pid === pid);
  }

  /** The newest remembered exit of `execId` (in `containerId`, when given). */
  byExec(execId: string, containerId?: string): ExitEvent | undefined {
    return this.#newest((e) => e.execId === execId && (containerId === undefined || e.containerId === containerId));
  }

  /**
   * Forgets every remembered exit that `match` accepts (rare: a pid watched
   * again as a live process, an execId spawned again), so that a later wait
   * never answers for a newer process with the exit of an older one.
   */
  forget(match: (event: ExitEvent) => boolean): void {
    const ring = this.#ring;
    // Slots fill from 0 up: the first empty one ends what was ever stored.
    for (let i = 0; i < ring.length; i++) {
      const event = ring[i];
      if (event === undefined) break;
      if (match(event)) ring[i] = FORGOTTEN;
    }
  }

  // Scans from the newest slot backwards; empty slots only exist before the
  // ring first fills, and they all sit after the newest entry.
  #newest(match: (event: ExitEvent) => boolean): ExitEvent | undefined {
    const ring = this.#ring;
    const n = ring.length;
    for (let i = 1; i <= n; i++) {
      const event = ring[(this.#next - i + n) % n];
      if (event === undefined) return undefined;
      if (event !== FORGOTTEN && match(event)) return event;
    }
    return undefined;
  }
}
