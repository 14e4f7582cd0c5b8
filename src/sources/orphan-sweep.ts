// Orphan adoption for a child subreaper. Orphans re-parented to this process
// become its children; when they exit nobody but us will collect them. The
// sweep finds zombie children through /proc and reaps each one by pid with
// waitid(P_PID, pid, WEXITED|WNOHANG), skipping every child someone else owns:
//   - children of node:child_process (libuv reaps them; ECHILD would lose 'exit'),
//   - pids watched with reap: false, or observed and left to their owner,
//   - children that existed before tracking began (unknown owner).
// child_process.spawnSync reaps inside the call while no JS runs, so a sweep,
// which is JS on the event loop, can never see or race its child.
import type { Logger } from '../core/logger.js';
import { isOwnedByChildProcess } from './child-process.js';
import { fromWaitResult, type ExitStatus } from './exit-status.js';
import { ERRNO, syscallError } from './native-errors.js';
import type { PidfdBackend } from './pidfd-backend.js';
import { childrenOf, readProcStat, zombieChildren } from './proc-scan.js';
import { SweepScheduler } from './sweep-scheduler.js';
import type { WatchSet } from './watch-set.js';

/** What the sweep needs from its reaper. */
export interface OrphanSweepHost {
  readonly pidfd: PidfdBackend;
  readonly watches: WatchSet;
  readonly logger: Logger;
  readonly sweepIntervalMs: number;
  /** Publishes one adopted orphan's exit. */
  adopted(orphan: { pid: number; execId: undefined; containerId: undefined }, status: ExitStatus): void;
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

/** Adopts and reaps orphans for one reaper. */
export class OrphanSweep {
  readonly #host: OrphanSweepHost;
  readonly #scheduler: SweepScheduler;
  // Children alive before this reaper became subreaper: their owner is unknown
  // (perhaps node:child_process before exitmon was imported), so never reap them.
  #preexisting = new Map<number, number>();
  #holding = false;
  sweeps = 0;
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
    }
    if (adoptOrphans && !this.#scheduler.running) {
      this.#preexisting = new Map([...childrenOf()].filter(([pid]) => !isOwnedByChildProcess(pid)));
      this.#scheduler.start();
    }
    return true;
  }

  // One pass: reap every zombie child nobody else owns.
  sweep(): void {
    this.sweeps++;
    this.lastSweepAt = Date.now();
    const { watches, pidfd, logger } = this.#host;
    for (const [pid, stat] of zombieChildren()) {
      if (isOwnedByChildProcess(pid)) continue;
      if (watches.has(pid)) {
        watches.collectNow(pid); // the watch knows reap/observe and the exec ids
        continue;
      }
      if (watches.isLeftToOwner(pid, stat.startTime)) continue;
      if (this.#preexisting.get(pid) === stat.startTime) continue;
      const reaped = pidfd.reapPid(pid);
      if (reaped.kind === 'exited') {
        this.#host.adopted({ pid, execId: undefined, containerId: undefined }, fromWaitResult(reaped.result));
      } else if (reaped.kind === 'error' && reaped.errno !== ERRNO.ECHILD) {
        this.#host.fault();
        logger.error({ childPid: pid, err: syscallError('waitid', -reaped.errno) }, 'exitmon: could not reap an orphan');
      }
    }
    watches.pruneLeftToOwner();
    for (const [pid, startTime] of this.#preexisting) {
      if (readProcStat(pid)?.startTime !== startTime) this.#preexisting.delete(pid);
    }
  }

  // Stops adopting and gives the subreaper role back if we took it.
  close(): void {
    this.#scheduler.stop();
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
