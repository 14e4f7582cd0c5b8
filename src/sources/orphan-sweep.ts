// Orphan adoption for a child subreaper. Orphans re-parented to this process
// become its children; when they exit nobody but us will collect them.
//
// Each sweep first asks the kernel, without reaping, whether there is a
// zombie child at all: waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT) (peekAny; WNOWAIT
// never reaps). No zombie (or no child): done, nothing scanned. A zombie
// nobody else owns is reaped by pid with waitid(P_PID) and the peek repeats
// (at most MAX_REAPS_PER_TURN per turn, then the sweep continues after I/O).
// The peek always reports the first zombie in the kernel's list, so when that
// one must be skipped, the others are found by a /proc scan instead, rate-
// limited because a scan costs ~40 µs per process on the machine. Which
// zombie is ours is Ownership's answer (ownership.ts), never decided here.
import type { Logger } from '../core/logger.js';
import type { ChildProcess } from 'node:child_process';
import { fromWaitResult, type ExitStatus } from './exit-status.js';
import { ERRNO, syscallError } from './native-errors.js';
import type { PidfdBackend } from './pidfd-backend.js';
import { zombieChildren } from '../proc/tree.js';
import { adoptedOrphans, hasNoChildren, ownedChildProcess, type Ownership } from './ownership.js';
import { SweepScheduler } from './sweep-scheduler.js';
import type { WatchSet } from './watch-set.js';

/** What the sweep needs from its reaper. */
export interface OrphanSweepHost {
  readonly pidfd: PidfdBackend;
  readonly watches: WatchSet;
  readonly ownership: Ownership;
  readonly logger: Logger;
  readonly sweepIntervalMs: number;
  /** Publishes one adopted orphan's exit. */
  adopted(orphan: { pid: number; execId: undefined; containerId: undefined }, status: ExitStatus): void;
  /** After every sweep: the set of our children may have changed (the reaper's loop hold re-checks). */
  swept(): void;
  fault(): void;
}

// PR_SET_CHILD_SUBREAPER is per process: count the reapers that asked for it
// and clear it only when the last one closes, and only if exitmon set it.
// Kept on globalThis so an ESM and a CJS copy of exitmon count together.
interface SubreaperRole {
  holders: number;
  setByUs: boolean;
}
const SUBREAPER = Symbol.for('exitmon.subreaper');
const subreaper: SubreaperRole = ((globalThis as { [SUBREAPER]?: SubreaperRole })[SUBREAPER] ??= { holders: 0, setByUs: false });

/** Reaps per loop turn before the sweep yields to I/O (and continues with setImmediate). */
export const MAX_REAPS_PER_TURN = 256;
/** How long a zombie that is not ours may hide the others before a /proc scan looks behind it, in ms. */
export const BLOCKED_SCAN_DELAY_MS = 50;
// Scans are spaced by at least this many times their own duration (≤ 10 % CPU).
const SCAN_COST_FACTOR = 10;
// The bookkeeping maps are pruned at most this often, in ms.
const PRUNE_INTERVAL_MS = 10_000;

// 'busy': an orphan whose reap the addon refused while a spawn is in flight
// somewhere (its child could have this pid): ours, but not yet.
type Verdict = 'collected' | 'skip' | 'busy';

/** Adopts and reaps orphans for one reaper. */
export class OrphanSweep {
  readonly #host: OrphanSweepHost;
  readonly #scheduler: SweepScheduler;
  #holding = false;
  // The zombie the peek keeps reporting although it is not ours, and since when.
  #blocker = 0;
  #blockedSince = 0;
  // The libuv child of this realm whose reaping the next sweep waits for.
  #waitingFor: ChildProcess | undefined;
  #lastScanAt = Number.NEGATIVE_INFINITY;
  #lastScanMs = 0;
  #lastPruneAt = 0;
  sweeps = 0;
  /** Full /proc scans run (only when a zombie that is not ours hides others). */
  scans = 0;
  lastSweepAt: number | null = null;

  constructor(host: OrphanSweepHost) {
    this.#host = host;
    this.#scheduler = new SweepScheduler(() => this.sweep(), host.sweepIntervalMs);
  }

  // Sets PR_SET_CHILD_SUBREAPER; starts adopting when asked. False when refused.
  becomeSubreaper(adoptOrphans: boolean): boolean {
    if (!this.#holding) {
      try {
        const already = this.#host.pidfd.isSubreaper();
        if (!already) this.#host.pidfd.setSubreaper(true);
        if (subreaper.holders === 0) subreaper.setByUs = !already;
      } catch (error) {
        this.#host.fault();
        this.#host.logger.error({ err: error }, 'exitmon: could not become a child subreaper');
        return false;
      }
      this.#holding = true;
      subreaper.holders++;
      // Children we have now were not re-parented to us as subreaper: owner
      // unknown. Taken once: what is re-parented later, while adoption is
      // off, is an orphan all the same, and adopted once adoption is on.
      this.#host.ownership.rememberPreexisting(hasNoChildren());
    }
    if (adoptOrphans && !this.#scheduler.running) {
      this.#lastPruneAt = Date.now();
      this.#scheduler.start();
    }
    return true;
  }

  // One pass: peek, reap what is ours, and look behind a zombie that is not.
  sweep(final = false): void {
    this.sweeps++;
    this.lastSweepAt = Date.now();
    const { pidfd, logger } = this.#host;
    let collected = 0;
    let previous = 0;
    for (;;) {
      if (collected >= MAX_REAPS_PER_TURN && !final) {
        this.#scheduler.schedule(); // the rest after I/O had its turn
        break;
      }
      const peeked = pidfd.peekAny();
      if (peeked.kind === 'running') {
        this.#blocker = 0; // children, but no zombie: nothing to do
        break;
      }
      if (peeked.kind === 'error') {
        if (peeked.errno !== ERRNO.ECHILD) {
          this.#host.fault();
          logger.error({ err: syscallError('waitid', -peeked.errno, 'P_ALL, WNOWAIT') }, 'exitmon: could not peek at zombie children');
          this.#scan();
        }
        this.#blocker = 0;
        break;
      }
      const pid = peeked.result.pid;
      if (pid === previous || this.#consider(pid) !== 'collected') {
        this.#blocked(pid, final);
        break;
      }
      previous = pid;
      collected++;
    }
    const now = Date.now();
    if (now - this.#lastPruneAt >= PRUNE_INTERVAL_MS) this.#prune(now);
    if (!final) this.#host.swept();
  }

  // Carries out Ownership's answer for one zombie child: collected (reaped, or via its watch), or skipped.
  #consider(pid: number): Verdict {
    const { watches } = this.#host;
    switch (this.#host.ownership.whoseZombie(pid)) {
      case 'gone':
        return 'collected';
      case 'watched':
        watches.collectNow(pid); // the watch knows reap/observe and the exec ids
        return watches.has(pid) ? 'skip' : 'collected';
      case 'adoptable':
        return this.#reap(pid) ? 'collected' : 'busy';
      default:
        return 'skip'; // a runtime's, left to its owner, or preexisting
    }
  }

  // Reaps an orphan unless libuv in some realm owns it; true when it is gone.
  #reap(pid: number): boolean {
    const reaped = this.#host.pidfd.reapUnowned(pid);
    if (reaped.kind === 'exited') {
      this.#host.adopted({ pid, execId: undefined, containerId: undefined }, fromWaitResult(reaped.result));
      return true;
    }
    if (reaped.kind === 'error') {
      if (reaped.errno === ERRNO.ECHILD) return true; // collected by someone else meanwhile
      this.#host.fault();
      this.#host.logger.error({ childPid: pid, err: syscallError('waitid', -reaped.errno) }, 'exitmon: could not reap an orphan');
    }
    return false; // 'busy' (libuv owns it or is spawning) or not exited
  }

  // The first zombie is not ours: it hides any zombie behind it from the peek.
  // A transient one (a worker thread's libuv reaps its child any moment) is
  // simply peeked at again; one that stays for
  // BLOCKED_SCAN_DELAY_MS is looked behind with a /proc scan, spaced so that
  // scans cost at most ~10 % of the time.
  #blocked(pid: number, final: boolean): void {
    if (final) return this.#scan();
    // A zombie of this realm's node:child_process is reaped by our own libuv
    // on its next SIGCHLD turn: sweep again right after its 'exit' instead of
    // timing it, so no scan ever depends on how busy this loop is.
    const child = ownedChildProcess(pid);
    if (child !== undefined) {
      this.#blocker = 0;
      if (this.#waitingFor !== child) {
        this.#waitingFor = child;
        child.once('exit', () => {
          if (this.#waitingFor === child) this.#waitingFor = undefined;
          if (this.#scheduler.running) this.#scheduler.schedule();
        });
      }
      return;
    }
    const now = performance.now();
    if (this.#blocker !== pid) {
      this.#blocker = pid;
      this.#blockedSince = now;
      return this.#scheduler.retryIn(BLOCKED_SCAN_DELAY_MS);
    }
    const blockedFor = now - this.#blockedSince;
    if (blockedFor < BLOCKED_SCAN_DELAY_MS) return this.#scheduler.retryIn(BLOCKED_SCAN_DELAY_MS - blockedFor);
    const gap = Math.max(BLOCKED_SCAN_DELAY_MS, SCAN_COST_FACTOR * this.#lastScanMs);
    const sinceScan = now - this.#lastScanAt;
    if (sinceScan < gap) return this.#scheduler.retryIn(gap - sinceScan);
    this.#scan();
  }

  // The full pass: every zombie child in /proc, each decided like a peeked
  // one. An orphan refused while a spawn is in flight (a worker's spawnSync,
  // Deno's output(), a Bun.$ command: seconds, perhaps) makes no SIGCHLD when
  // that spawn ends: look again, at the pace the scans' cost allows.
  #scan(): void {
    const started = performance.now();
    this.scans++;
    let busy = false;
    for (const { pid } of zombieChildren(process.pid)) busy = this.#consider(pid) === 'busy' || busy;
    this.#lastScanAt = performance.now();
    this.#lastScanMs = this.#lastScanAt - started;
    if (busy && this.#scheduler.running) this.#scheduler.retryIn(Math.max(BLOCKED_SCAN_DELAY_MS, SCAN_COST_FACTOR * this.#lastScanMs));
  }

  // Forgets bookkeeping about pids that are gone.
  #prune(now: number): void {
    this.#lastPruneAt = now;
    this.#host.ownership.prune();
  }

  // Stops adopting and gives the subreaper role back if we took it.
  close(): void {
    if (this.#scheduler.running) {
      // One last sweep, so that orphans that already exited do not stay
      // zombies forever. Orphans still running now will not be reaped by us,
      // but by the next reaper of this realm that adopts: handed over.
      this.#scheduler.stop();
      try {
        this.#host.ownership.handOver(adoptedOrphans());
      } catch (error) {
        this.#host.logger.warn({ err: error }, 'exitmon: could not list the adopted orphans to hand over');
      }
      try {
        this.sweep(true);
      } catch (error) {
        this.#host.logger.error({ err: error }, 'exitmon: the final orphan sweep failed');
      }
    }
    if (!this.#holding) return;
    this.#holding = false;
    subreaper.holders--;
    if (subreaper.holders === 0 && subreaper.setByUs) {
      try {
        this.#host.pidfd.setSubreaper(false);
      } catch (error) {
        this.#host.logger.warn({ err: error }, 'exitmon: could not clear the child subreaper flag');
      }
      subreaper.setByUs = false;
    }
  }
}
