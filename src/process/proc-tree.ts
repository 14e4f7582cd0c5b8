// Who belongs to a stop: the members of a process group, or a process with its
// group and every descendant found through /proc parent links. Each target
// answers "who is still alive?" on every poll of a stop; exited processes
// (zombies) count as gone because they only await their parent's wait.
import { hasExited, hasProcFs, listProcesses, probeKill, readProcStat, type ProcStat } from '../proc/stat.js';
import { descendantsOf, processesInGroup } from '../proc/tree.js';

export { childrenOf, descendantsOf, processesInGroup } from '../proc/tree.js';
import { isProtectedGroup, type SignalGuard } from './signal-safety.js';

/** How long one /proc scan may be reused by the polls of concurrent stops, in ms. */
const SHARED_SCAN_MAX_AGE_MS = 2;

let sharedScan: { at: number; procs: ProcStat[] } | undefined;

/**
 * How a stop asks who is alive: `'first'` (its first look: a fresh full scan),
 * `'full'` (at escalation: a full scan), `'poll'` (while waiting: may answer
 * from the members it already knows).
 */
export type ScanMode = 'first' | 'full' | 'poll';

// A /proc listing for a stop. A stop's first look always reads /proc afresh,
// so a process started just before the call is never missed. Later looks
// reuse a listing at most SHARED_SCAN_MAX_AGE_MS old, so N stops whose timers
// fire in one loop phase (polls, or escalations after the same grace) scan
// once instead of N times. A member forked after that listing is caught by
// the next poll, and at escalation by the verification, which re-sends the
// kill signal to whatever each poll still lists.
function processList(fresh: boolean): ProcStat[] {
  const now = performance.now();
  if (fresh || sharedScan === undefined || now - sharedScan.at > SHARED_SCAN_MAX_AGE_MS) {
    const procs = listProcesses();
    sharedScan = { at: performance.now(), procs };
    return procs;
  }
  return sharedScan.procs;
}

/** One live member of a stop target. `stat` is absent without /proc. */
export interface Member {
  readonly pid: number;
  readonly stat?: ProcStat;
}

/** What a stop works on. */
export interface StopTarget {
  /** The groups signalled as a whole (grows when a tree member leads a new group). */
  readonly groups: ReadonlySet<number>;
  /** The members alive now, by pid (see ScanMode). */
  scan(mode: ScanMode): Map<number, Member>;
}

// A process group: every process whose pgrp is pgid.
export class GroupTarget implements StopTarget {
  readonly groups: ReadonlySet<number>;
  readonly #pgid: number;
  #known = new Map<number, Member>();

  constructor(pgid: number) {
    this.#pgid = pgid;
    this.groups = new Set([pgid]);
  }

  // Re-reads the members seen last time (one small file each); only when all
  // of them are gone does it ask kill(-pgid, 0) and, if the group still
  // exists, rescan /proc for members it did not know (late forks, zombies).
  // A group left with only zombies still answers kill(-pgid, 0): that costs
  // one full scan, shared with the other stops polling at the same moment.
  scan(mode: ScanMode): Map<number, Member> {
    if (!hasProcFs()) return probeKill(-this.#pgid) ? new Map([[this.#pgid, { pid: this.#pgid }]]) : new Map();
    if (mode === 'poll') {
      const still = new Map<number, Member>();
      for (const m of this.#known.values()) {
        const now = readProcStat(m.pid);
        if (now && sameProcess(now, m.stat) && now.pgrp === this.#pgid && !hasExited(now)) {
          still.set(m.pid, { pid: m.pid, stat: now });
        }
      }
      if (still.size > 0 || !probeKill(-this.#pgid)) return (this.#known = still);
    }
    const live = new Map<number, Member>();
    for (const p of processesInGroup(this.#pgid, processList(mode === 'first'))) {
      if (!hasExited(p)) live.set(p.pid, { pid: p.pid, stat: p });
    }
    return (this.#known = live);
  }
}

// A process tree: the process, its group, every descendant through ppid links
// (including those that left the group with setsid) and the groups such
// escapees lead. Members are remembered with their start time, so one that
// is re-parented to init (losing its ppid link) when its parent dies is still
// found, and a recycled pid is not mistaken for it.
export class TreeTarget implements StopTarget {
  readonly #groups = new Set<number>();
  readonly #tracked = new Map<number, number>(); // pid → start time
  readonly #guard: SignalGuard;
  readonly #root: number;

  constructor(pid: number, guard: SignalGuard) {
    this.#root = pid;
    this.#guard = guard;
    const stat = readProcStat(pid);
    if (stat) this.#tracked.set(pid, stat.startTime);
    // A pid is its group's id as long as any member is left, so group `pid`
    // still reaches the members of a group whose leader already exited.
    this.#addGroup(pid);
    if (stat) this.#addGroup(stat.pgrp);
  }

  get groups(): ReadonlySet<number> {
    return this.#groups;
  }

  scan(mode: ScanMode): Map<number, Member> {
    if (!hasProcFs()) return this.#probeScan();
    const procs = processList(mode === 'first');
    const roots: ProcStat[] = procs.filter((p) => this.#groups.has(p.pgrp) || this.#tracked.get(p.pid) === p.startTime);
    const members = [...roots, ...descendantsOf(roots.map((p) => p.pid), procs)];
    const live = new Map<number, Member>();
    for (const p of members) {
      // Only reachable when the root is our ancestor: we never stop ourselves.
      if (p.pid === this.#guard.self) continue;
      if (!this.#tracked.has(p.pid)) this.#tracked.set(p.pid, p.startTime);
      // A descendant that called setsid/setpgid leads a group of its own; its
      // later children are born into that group, so stop the group as a whole.
      if (p.pgrp === p.pid) this.#addGroup(p.pgrp);
      if (!hasExited(p)) live.set(p.pid, { pid: p.pid, stat: p });
    }
    return live;
  }

  #addGroup(pgid: number): void {
    if (!isProtectedGroup(pgid, this.#guard)) this.#groups.add(pgid);
  }

  // Without /proc only the root and its groups can be checked, by kill(…, 0).
  #probeScan(): Map<number, Member> {
    const live = new Map<number, Member>();
    if (probeKill(this.#root)) live.set(this.#root, { pid: this.#root });
    for (const g of this.#groups) if (probeKill(-g)) live.set(g, { pid: g });
    return live;
  }
}

// Whether a fresh stat is the same process as an earlier one (pid not reused).
function sameProcess(now: ProcStat, before: ProcStat | undefined): boolean {
  return before === undefined || now.startTime === before.startTime;
}
