// A process with its descendants and the groups they lead, for stopProcessTree.
import { mayAdopt } from '../sources/ownership.js';
import { hasExited, hasProcFs, probeKill, readProcStat, type ProcStat } from './proc-stat.js';
import { descendantsOf } from './proc-tree.js';
import { isProtectedGroup, type SignalGuard } from './signal-safety.js';
import { StopTarget, type AfterKnownGone } from './stop-target.js';

/**
 * The `rootStartTime` of a root that was reaped already: any process with its
 * pid is then a stranger, and the tree is what is left of the root's group,
 * with the members' descendants and the groups they lead.
 */
export const REAPED_ROOT = Number.NaN;

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
  readonly freezes = true;
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

  // A reaped root's tree is what is left of its group: when the kernel says
  // the group is empty, no member is left to have descendants.
  override emptyNow(): boolean {
    return Number.isNaN(this.#rootStartTime) && !probeKill(-this.#root);
  }

  override runningNow(): boolean {
    const root = readProcStat(this.#root);
    return root !== null && !hasExited(root) && (this.#rootStartTime === undefined || root.startTime === this.#rootStartTime);
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
    // A root that leads its group: the group's members are the tree's from
    // this first look on (a root already exited, an unreaped zombie, is no
    // member itself, and its group would otherwise only count from the next).
    if (root.pgrp === root.pid) this.#groups.add(root.pid);
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
