// Who belongs to a stop: the members of a process group, or a process with
// its descendants and the groups they lead. Members are pinned (SeenProcess)
// when a listing shows them, and every later check or signal goes through
// the pin, never through a pid read again from /proc.
// The two kinds live in group-target.ts and tree-target.ts.
import { hasExited, listProcesses, readProcStat, type ProcStat } from './proc-stat.js';
import { SeenProcess } from './seen-process.js';

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
  /** True when the process the stop was asked for (a tree's root, a group's leader) runs now. */
  runningNow(): boolean {
    return false;
  }
  /** Every known member exited: see AfterKnownGone. */
  abstract afterKnownGone(): AfterKnownGone;
  /**
   * Whether the stop freezes the target (SIGSTOP, then listings until no new
   * member shows) before each signal that may end it: a tree, whose members
   * are found only through listings; a group's kill(-pgid) reaches whatever
   * is born into it.
   */
  abstract readonly freezes: boolean;

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
