// Who belongs to a stop: the members of a process group, or a process with
// its descendants and the groups they lead. Members are pinned (SeenProcess)
// when a listing shows them, and every later check or signal goes through
// the pin, never through a pid read again from /proc.
import { hasExited, hasProcFs, listProcesses, probeKill, readProcStat, type ProcStat } from './proc-stat.js';
import { descendantsOf } from './proc-tree.js';
import { mayAdopt } from '../sources/ownership.js';
import { SeenProcess } from './seen-process.js';
import { isProtectedGroup, type SignalGuard } from './signal-safety.js';

/**
 * How long a group whose known members all exited may be held by their
 * zombies (awaiting their parent's wait, usually milliseconds) before a
 * listing is taken to look for members no listing showed yet, in ms.
 */
const ZOMBIE_SETTLE_MS = 50;

let pendingListing: Promise<ProcStat[]> | undefined;

/**
 * A /proc listing taken after this call. Calls made before the listing runs
 * share it, so N stops started (or escalating, or polling) in one loop turn
 * cost one scan instead of N; each still sees every process started before
 * its own call.
 */
export function freshListing(): Promise<ProcStat[]> {
  pendingListing ??= new Promise((resolve) => {
    setImmediate(() => {
      pendingListing = undefined;
      resolve(listProcesses());
    });
  });
  return pendingListing;
}

/** One pinned member: the pin and what the listing said about it. */
export interface Member {
  readonly process: SeenProcess;
  stat: ProcStat | undefined; // absent without /proc
}

/**
 * What a stop does once every member it knows has exited: `'done'` (nothing
 * is left), `'wait'` (the group is still held, by the known members' zombies
 * as far as anyone can tell: look again later) or `'list'` (take a listing:
 * there may be members no listing showed yet).
 */
export type AfterKnownGone = 'done' | 'wait' | 'list';

/** What a stop works on. */
export abstract class StopTarget {
  /** Pinned members by pid, alive when last looked at. */
  protected readonly members = new Map<number, Member>();
  /** Members seen exiting, kept while their zombie may still hold their group's id. */
  protected readonly departed: Member[] = [];
  /** Every pin ever taken, closed by release(). */
  readonly #pins: SeenProcess[] = [];

  /** Groups to signal as wholes now (each verified by a member, see groupIsSafe). */
  abstract signalledGroups(): Iterable<number>;
  /** Takes in a listing: pins new members, drops gone ones. */
  abstract update(procs: readonly ProcStat[]): void;
  /** True when the kernel says there is nothing to stop at all (no listing needed). */
  emptyNow(): boolean {
    return false;
  }
  /** Every known member exited: see AfterKnownGone. */
  abstract afterKnownGone(): AfterKnownGone;
  /** Whether the escalation needs a fresh listing first (members forked during the grace). */
  abstract readonly listAtEscalation: boolean;

  /** The members still alive (cheap: pidfd readiness, or one stat read each). */
  alive(): Member[] {
    const out: Member[] = [];
    for (const [pid, m] of this.members) {
      if (m.process.exited()) {
        this.members.delete(pid);
        this.departed.push(m);
      } else {
        out.push(m);
      }
    }
    return out;
  }

  /**
   * Whether kill(-pgid) reaches the group the stop saw: a member it pinned
   * (running, or a zombie not yet reaped) is in that group now. The kernel
   * hands out no pid, so no new group id, that a process still holds.
   */
  groupIsSafe(pgid: number): boolean {
    for (const m of this.members.values()) if (m.stat?.pgrp === pgid && this.#isIn(m, pgid)) return true;
    return this.heldByDeparted(pgid);
  }

  /** Whether an exited member (a zombie not yet reaped) still holds group `pgid`; forgets reaped ones. */
  protected heldByDeparted(pgid: number): boolean {
    for (let i = this.departed.length - 1; i >= 0; i--) {
      const m = this.departed[i]!;
      const now = readProcStat(m.process.pid);
      if (now === null || now.startTime !== m.process.startTime) this.departed.splice(i, 1);
      else if (now.pgrp === pgid) return true;
    }
    return false;
  }

  #isIn(m: Member, pgid: number): boolean {
    const now = readProcStat(m.process.pid);
    return now !== null && now.startTime === m.process.startTime && now.pgrp === pgid;
  }

  /** Closes every pidfd. */
  release(): void {
    for (const pin of this.#pins) pin.close();
    this.#pins.length = 0;
  }

  // Pins a listed process (once) and keeps it as a member while it runs.
  protected admit(p: ProcStat): void {
    const known = this.members.get(p.pid);
    if (known !== undefined && known.process.startTime === p.startTime) {
      known.stat = p;
      return;
    }
    // The one liveness rule: a 'Z' leader whose threads still run is running.
    if (hasExited(p)) return;
    const pin = SeenProcess.pin(p);
    if (pin === null) return;
    this.#pins.push(pin);
    this.members.set(p.pid, { process: pin, stat: p });
  }

  // Without /proc: a pid known only by number.
  protected admitUnverified(pid: number): void {
    if (this.members.has(pid)) return;
    const pin = SeenProcess.unverified(pid);
    this.#pins.push(pin);
    this.members.set(pid, { process: pin, stat: undefined });
  }
}

// A process group: every process whose pgrp is pgid.
export class GroupTarget extends StopTarget {
  readonly #pgid: number;
  // kill(-pgid) reaches members forked during the grace: no listing needed.
  readonly listAtEscalation = false;
  #settleUntil: number | undefined;

  constructor(pgid: number) {
    super();
    this.#pgid = pgid;
  }

  *signalledGroups(): Iterable<number> {
    if (!hasProcFs() || this.groupIsSafe(this.#pgid)) yield this.#pgid;
  }

  // kill(-pgid, 0) answers ESRCH only when no process, zombies included, is
  // in the group: then a stop is over before its first listing (exitmon run
  // stopping the rest of a command's group that left nothing behind).
  override emptyNow(): boolean {
    return !probeKill(-this.#pgid);
  }

  update(procs: readonly ProcStat[]): void {
    if (!hasProcFs()) {
      this.members.clear();
      if (probeKill(-this.#pgid)) this.admitUnverified(this.#pgid);
      return;
    }
    for (const p of procs) if (p.pgrp === this.#pgid) this.admit(p);
  }

  // A group whose known members are gone may still hold late forks, or only
  // their zombies. kill(-pgid, 0) says whether anything is left; while the
  // known members' zombies hold the group, the stop waits for their parent
  // to reap them (usually milliseconds) instead of listing all of /proc, and
  // lists only if that takes longer than ZOMBIE_SETTLE_MS or nobody it knows
  // holds the group any more.
  afterKnownGone(): AfterKnownGone {
    if (!probeKill(-this.#pgid)) return 'done';
    if (!hasProcFs()) return 'wait'; // no /proc to list: poll kill(-pgid, 0) until it is empty or time is up
    const now = performance.now();
    this.#settleUntil ??= now + ZOMBIE_SETTLE_MS;
    if (now < this.#settleUntil && this.heldByDeparted(this.#pgid)) return 'wait';
    this.#settleUntil = undefined;
    return 'list';
  }
}

// A process tree: the root, its descendants through ppid links (including
// those that left the root's group with setsid), and the groups that the
// root or a descendant leads. Never the root's ancestors or siblings, even
// when they share its group: a group is signalled as a whole only when it is
// led by a member and holds none of them; otherwise its members one by one.
export class TreeTarget extends StopTarget {
  readonly #root: number;
  readonly #rootStartTime: number | undefined;
  readonly #guard: SignalGuard;
  readonly #tracked = new Map<number, number>(); // pid → start time of every member ever seen
  readonly #outsiders = new Map<number, number>(); // ancestors and siblings: pid → start time
  readonly #groups = new Set<number>(); // led by a member
  readonly #mixed = new Set<number>(); // led by a member but holding an outsider
  readonly listAtEscalation = true;
  #first = true;

  // rootStartTime: the root as an earlier listing saw it (stopProcessTrees);
  // if the pid names another process by the first look, there is no tree.
  constructor(pid: number, guard: SignalGuard, rootStartTime?: number) {
    super();
    this.#root = pid;
    this.#guard = guard;
    this.#rootStartTime = rootStartTime;
  }

  *signalledGroups(): Iterable<number> {
    for (const g of this.#groups) {
      if (this.#mixed.has(g) || isProtectedGroup(g, this.#guard)) continue;
      if (!hasProcFs() || this.groupIsSafe(g)) yield g;
    }
  }

  update(procs: readonly ProcStat[]): void {
    if (!hasProcFs()) {
      this.members.clear();
      if (probeKill(this.#root)) this.admitUnverified(this.#root);
      return;
    }
    if (this.#first) this.#firstLook(procs);
    // Members are found again by start time (a member re-parented to init
    // when its parent died keeps its place), through a group a member leads,
    // or as a descendant of either.
    const roots = procs.filter(
      (p) => this.#tracked.get(p.pid) === p.startTime || (this.#groups.has(p.pgrp) && this.#outsiders.get(p.pid) !== p.startTime),
    );
    this.#mixed.clear();
    for (const p of [...roots, ...descendantsOf(roots.map((r) => r.pid), procs)]) {
      if (p.pid === this.#guard.self || this.#outsiders.get(p.pid) === p.startTime) continue;
      this.#tracked.set(p.pid, p.startTime);
      // A member that leads its group: later children are born into it, so
      // the group is signalled as a whole (unless an outsider is in it).
      if (p.pgrp === p.pid) this.#groups.add(p.pid);
      this.admit(p);
    }
    for (const p of procs) if (this.#groups.has(p.pgrp) && this.#outsiders.get(p.pid) === p.startTime) this.#mixed.add(p.pgrp);
  }

  // Polls see pinned members only; late descendants are found by the listing
  // at escalation, or by this one when every known member is gone.
  afterKnownGone(): AfterKnownGone {
    return hasProcFs() ? 'list' : 'done';
  }

  // Records the root's ancestors and siblings (as they are now) so that no
  // later step mistakes them for members.
  #firstLook(procs: readonly ProcStat[]): void {
    this.#first = false;
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const root = byPid.get(this.#root);
    if (root !== undefined && this.#rootStartTime !== undefined && root.startTime !== this.#rootStartTime) {
      // The pid was reused since: neither that process nor a group of this id is the tree's.
      this.#outsiders.set(root.pid, root.startTime);
      return;
    }
    if (root === undefined) {
      // The root is gone; a group with its pid can only be its own (a pid is
      // not handed out while a group of that id exists).
      this.#groups.add(this.#root);
      return;
    }
    this.#tracked.set(root.pid, root.startTime);
    for (let p = byPid.get(root.ppid); p !== undefined && p.pid > 1 && !this.#outsiders.has(p.pid); p = byPid.get(p.ppid)) {
      this.#outsiders.set(p.pid, p.startTime);
    }
    // Siblings: the parent's other children. When the parent is init, or this
    // process as a child subreaper, its other children include the tree's own
    // orphans (adopted when their parent died), so they are not set apart.
    const parentAdopts = root.ppid <= 1 || (root.ppid === this.#guard.self && mayAdopt());
    if (!parentAdopts) for (const p of procs) if (p.ppid === root.ppid && p.pid !== root.pid) this.#outsiders.set(p.pid, p.startTime);
    this.#outsiders.set(this.#guard.self, byPid.get(this.#guard.self)?.startTime ?? Number.NaN);
  }
}
