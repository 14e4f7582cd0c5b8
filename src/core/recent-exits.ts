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
/**
 * The most a monitor may remember: the ring is allocated in full up front
 * (about 9 bytes a slot) and a look-up scans it, so a million is already a
 * millisecond per waitPid; a mistyped 1e9 would abort the process (heap).
 */
export const MAX_RECENT_EXITS = 1_000_000;

// What a forgotten entry is hidden from: a pid's exit is forgotten when that
// pid is watched again (a new process has it), an exec's when a new process
// of that exec starts; neither makes the other lookup wrong, so each hides
// the entry from its own lookup only (an old pid's exit stays there for
// waitPid(oldPid) after its exec was started again under a new pid).
const HIDDEN_FROM_PID = 1;
const HIDDEN_FROM_EXEC = 2;

const ofPid = (pid: number) => (e: ExitEvent): boolean => e.pid === pid;
const ofExec = (execId: string, containerId: string | undefined) => (e: ExitEvent): boolean =>
  e.execId === execId && (containerId === undefined || e.containerId === containerId);

export class RecentExits {
  readonly #ring: (ExitEvent | undefined)[];
  readonly #hidden: Uint8Array; // HIDDEN_FROM_* bits per slot
  #next = 0; // slot the next event goes to (holds the oldest once full)

  constructor(capacity: number) {
    this.#ring = new Array<ExitEvent | undefined>(capacity).fill(undefined);
    this.#hidden = new Uint8Array(capacity);
  }

  remember(event: ExitEvent): void {
    const ring = this.#ring;
    if (ring.length === 0) return;
    const slot = this.#next;
    ring[slot] = event;
    this.#hidden[slot] = 0;
    this.#next = slot + 1 === ring.length ? 0 : slot + 1;
  }

  byPid(pid: number): ExitEvent | undefined {
    return this.#newest(HIDDEN_FROM_PID, ofPid(pid));
  }

  byExec(execId: string, containerId?: string): ExitEvent | undefined {
    return this.#newest(HIDDEN_FROM_EXEC, ofExec(execId, containerId));
  }

  /** Hides every remembered exit of `pid` from byPid (a new process has the pid). */
  forgetPid(pid: number): void {
    this.#hide(HIDDEN_FROM_PID, ofPid(pid));
  }

  /** Hides the remembered exits of `execId` (in `containerId` when given) from byExec (a new process of it started). */
  forgetExec(execId: string, containerId?: string): void {
    this.#hide(HIDDEN_FROM_EXEC, ofExec(execId, containerId));
  }

  #hide(bit: number, match: (event: ExitEvent) => boolean): void {
    const ring = this.#ring;
    // Slots fill from 0 up: the first empty one ends what was ever stored.
    for (let i = 0; i < ring.length; i++) {
      const event = ring[i];
      if (event === undefined) break;
      if (match(event)) this.#hidden[i]! |= bit;
    }
  }

  // Scans from the newest slot backwards; empty slots only exist before the
  // ring first fills, and they all sit after the newest entry.
  #newest(bit: number, match: (event: ExitEvent) => boolean): ExitEvent | undefined {
    const ring = this.#ring;
    const n = ring.length;
    for (let i = 1; i <= n; i++) {
      const slot = (this.#next - i + n) % n;
      const event = ring[slot];
      if (event === undefined) return undefined;
      if ((this.#hidden[slot]! & bit) === 0 && match(event)) return event;
    }
    return undefined;
  }
}
