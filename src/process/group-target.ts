// The members of one process group, for stopProcessGroup.
import { hasExited, hasProcFs, probeKill, readProcStat, type ProcStat } from './proc-stat.js';
import { StopTarget, type AfterKnownGone } from './stop-target.js';

/**
 * How long a group whose known members all exited may be held by their
 * zombies (awaiting their parent's wait, usually milliseconds) before a
 * listing is taken to look for members no listing showed yet, in ms.
 */
const ZOMBIE_SETTLE_MS = 50;

// A process group: every process whose pgrp is pgid.
export class GroupTarget extends StopTarget {
  readonly #pgid: number;
  // kill(-pgid) reaches members forked during the grace: no listing needed.
  readonly freezes = false;
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

  override runningNow(): boolean {
    const leader = readProcStat(this.#pgid);
    return leader !== null && leader.pgrp === this.#pgid && !hasExited(leader);
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
