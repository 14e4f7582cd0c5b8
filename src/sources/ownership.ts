// The ownership model of one reaper: the single place that answers "whose
// child is pid, may exitmon reap it, whose zombie is this?". WatchSet and
// OrphanSweep only carry out its answers.
//
//   - a runtime's child (node:child_process, Bun.spawn, Deno.Command, in any
//     thread; or any child while a synchronous spawn runs): its owner waits
//     for it by pid, so it is only ever peeked at (runtime-children.ts; the
//     addon re-checks under its lock at the moment of the reap);
//   - a watched pid: its watch collects it, reaped or observed as the
//     watch's `reap` option says;
//   - a zombie observed by a `reap: false` watch: left to its owner, never
//     collected again (its exit was published once);
//   - a child alive before the reaper became subreaper: owner unknown
//     (perhaps node:child_process before exitmon was imported), never reaped;
//   - anything else re-parented to us: an adopted orphan, ours to reap.
// Identities are pid + start time, so a reused pid is a new process.
import { readProcStat } from '../proc/stat.js';
import { childrenOf } from '../proc/tree.js';
import { isOwnedByRuntime, ownedChildProcess } from './runtime-children.js';

export { isOwnedByRuntime, ownedChildProcess };

/** Whose zombie a zombie child is (see the module comment). */
export type ZombieOwner = 'runtime' | 'watched' | 'left-to-owner' | 'preexisting' | 'adoptable' | 'gone';

/** Per-reaper ownership bookkeeping (pid -> start time). */
export class Ownership {
  readonly #watched: (pid: number) => boolean;
  readonly #leftToOwner = new Map<number, number>();
  #preexisting = new Map<number, number>();

  /** `watched(pid)`: whether the reaper has a live watch of pid. */
  constructor(watched: (pid: number) => boolean) {
    this.#watched = watched;
  }

  // Whether a watch of pid may reap it: asked, and no runtime owns it.
  mayReap(pid: number, reapAsked: boolean): boolean {
    return reapAsked && !isOwnedByRuntime(pid);
  }

  // Records that the zombie pid was observed and left to its owner.
  leaveToOwner(pid: number): void {
    const stat = readProcStat(pid);
    if (stat !== null) this.#leftToOwner.set(pid, stat.startTime);
  }

  // True when pid is a zombie observed earlier and left to its owner (same process).
  isLeftToOwner(pid: number): boolean {
    const kept = this.#leftToOwner.get(pid);
    if (kept === undefined) return false;
    const stat = readProcStat(pid);
    if (stat !== null && stat.startTime === kept && stat.state === 'zombie') return true;
    this.#leftToOwner.delete(pid); // reaped by its owner, or the pid was reused
    return false;
  }

  // Snapshots this process's children now: their owner is unknown, never reap them.
  rememberPreexisting(): void {
    this.#preexisting = new Map(
      childrenOf(process.pid)
        .filter((p) => !isOwnedByRuntime(p.pid))
        .map((p) => [p.pid, p.startTime]),
    );
  }

  /** Whose zombie is pid (a zombie child of this process)? */
  whoseZombie(pid: number): ZombieOwner {
    if (isOwnedByRuntime(pid)) return 'runtime';
    if (this.#watched(pid)) return 'watched';
    if (this.#leftToOwner.has(pid) || this.#preexisting.has(pid)) {
      const stat = readProcStat(pid);
      if (stat === null) return 'gone';
      if (this.isLeftToOwner(pid)) return 'left-to-owner';
      if (this.#preexisting.get(pid) === stat.startTime) return 'preexisting';
    }
    return 'adoptable';
  }

  // Forgets bookkeeping about processes that are gone.
  prune(): void {
    for (const pid of [...this.#leftToOwner.keys()]) this.isLeftToOwner(pid);
    for (const [pid, startTime] of this.#preexisting) {
      if (readProcStat(pid)?.startTime !== startTime) this.#preexisting.delete(pid);
    }
  }

  clear(): void {
    this.#leftToOwner.clear();
    this.#preexisting.clear();
  }
}
