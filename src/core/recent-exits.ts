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
 * (about 8 bytes a slot) and a look-up scans it, so a million is already a
 * millisecond per waitPid; a mistyped 1e9 would abort the process (heap).
 */
export const MAX_RECENT_EXITS = 1_000_000;

// Forgetting is on a hot path: every watch() of a live pid and every spawn()
// forgets that pid (a new process has it), and an exec's start forgets the
// exec. So a forget is one map store, never a scan of the ring: it records
// the seq of the newest exit remembered then, and every remembered exit of
// that key up to that seq is hidden from its own lookup only (an old pid's
// exit stays visible to waitPid(oldPid) after its exec was started again
// under a new pid). Exits published later have larger seqs and show.
// A mark that hides nothing still in the ring is dropped when the marks
// outgrow their bound, which doubles with what is still needed (amortised O(1)).
type Marks<K> = Map<K, number>;

// Exec marks are keyed by container and exec: one for every container (the
// forget named none: `*execId`), and one per container named (its length
// first, so that no two pairs share a key: `2:c1execId`).
const execKey = (execId: string, containerId: string | undefined): string =>
  containerId === undefined ? `*${execId}` : `${containerId.length}:${containerId}${execId}`;

export class RecentExits {
  readonly #ring: (ExitEvent | undefined)[];
  #next = 0; // slot the next event goes to (holds the oldest once full)
  #newestSeq = 0;
  readonly #pidMarks: Marks<number> = new Map();
  readonly #execMarks: Marks<string> = new Map();
  #pruneAt: number;

  constructor(capacity: number) {
    this.#ring = new Array<ExitEvent | undefined>(capacity).fill(undefined);
    this.#pruneAt = Math.max(capacity, 64);
  }

  remember(event: ExitEvent): void {
    const ring = this.#ring;
    if (ring.length === 0) return;
    const slot = this.#next;
    ring[slot] = event;
    this.#newestSeq = event.seq;
    this.#next = slot + 1 === ring.length ? 0 : slot + 1;
  }

  /** The newest exit of `pid` not hidden by forgetPid. */
  byPid(pid: number): ExitEvent | undefined {
    const hiddenUpTo = this.#pidMarks.get(pid) ?? 0;
    // Newest first: the first exit of pid decides, as every older one has a smaller seq.
    const newest = this.#newest((e) => e.pid === pid);
    return newest !== undefined && newest.seq > hiddenUpTo ? newest : undefined;
  }

  /** The newest exit of `execId` (in `containerId` when given) not hidden by forgetExec. */
  byExec(execId: string, containerId?: string): ExitEvent | undefined {
    const marks = this.#execMarks;
    const anyUpTo = marks.get(execKey(execId, undefined)) ?? 0;
    return this.#newest(
      (e) =>
        e.execId === execId &&
        (containerId === undefined || e.containerId === containerId) &&
        e.seq > anyUpTo &&
        (e.containerId === undefined || e.seq > (marks.get(execKey(execId, e.containerId)) ?? 0)),
    );
  }

  /** Hides every remembered exit of `pid` from byPid (a new process has the pid). */
  forgetPid(pid: number): void {
    this.#mark(this.#pidMarks, pid);
  }

  /** Hides the remembered exits of `execId` (in `containerId` when given) from byExec (a new process of it started). */
  forgetExec(execId: string, containerId?: string): void {
    this.#mark(this.#execMarks, execKey(execId, containerId));
  }

  #mark<K>(marks: Marks<K>, key: K): void {
    if (this.#newestSeq === 0) return; // nothing remembered, nothing to hide
    marks.set(key, this.#newestSeq);
    if (this.#pidMarks.size + this.#execMarks.size >= this.#pruneAt) this.#prune();
  }

  // Drops the marks that hide nothing any more: every exit up to their seq
  // has left the ring.
  #prune(): void {
    const oldest = this.#oldestSeq();
    for (const marks of [this.#pidMarks, this.#execMarks] as Marks<unknown>[]) {
      for (const [key, upTo] of marks) if (upTo < oldest) marks.delete(key);
    }
    this.#pruneAt = Math.max(this.#ring.length, 64, 2 * (this.#pidMarks.size + this.#execMarks.size));
  }

  // The seq of the oldest exit still remembered (Infinity when none is).
  #oldestSeq(): number {
    const ring = this.#ring;
    const oldest = ring[this.#next] ?? ring[0];
    return oldest?.seq ?? Number.POSITIVE_INFINITY;
  }

  // Scans from the newest slot backwards; empty slots only exist before the
  // ring first fills, and they all sit after the newest entry.
  #newest(match: (event: ExitEvent) => boolean): ExitEvent | undefined {
    const ring = this.#ring;
    const n = ring.length;
    for (let i = 1; i <= n; i++) {
      const event = ring[(this.#next - i + n) % n];
      if (event === undefined) return undefined;
      if (match(event)) return event;
    }
    return undefined;
  }
}
