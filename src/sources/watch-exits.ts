// What one collected exit means for a watch: the status and outcome to
// publish, or that the runtime will tell (libuv, Bun or Deno reaped first:
// the ChildProcess 'exit' event or the runtime's exit report publishes). Pure decisions, kept apart from the bookkeeping of WatchSet.
import type { ExitOutcome } from '../core/exit-event.js';
import type { ProcStat } from '../proc/stat.js';
import { fromRawWaitStatus, fromWaitResult, UNKNOWN_STATUS, type ExitStatus } from './exit-status.js';
import { ERRNO } from './native-errors.js';
import type { CollectedExit } from './pidfd-backend.js';

/** The verdict on one exit. `leftToOwner`: a zombie observed and left for its owner to reap. */
export type ExitVerdict = PublishVerdict | { readonly publish: false };

/** Publish this status and outcome; `fault`: the errno of a wait that failed unexpectedly. */
export interface PublishVerdict {
  readonly publish: true;
  readonly status: ExitStatus;
  readonly outcome: ExitOutcome;
  readonly leftToOwner: boolean;
  readonly fault?: number;
}

const UNKNOWN: PublishVerdict = { publish: true, status: UNKNOWN_STATUS, outcome: 'unknown', leftToOwner: false };

/**
 * From the addon's batch: reaped by the addon, peeked (left to its owner),
 * or an errno. ECHILD on a runtime's child means its runtime reaped it first:
 * the 'exit' event (or Bun's / Deno's exit report) carries the status. ECHILD otherwise: not our child, its status
 * is not ours to read ('unknown'). Another errno is a fault, also 'unknown'.
 */
export function verdictOfCollected(exit: CollectedExit, runtimeChild: boolean): ExitVerdict {
  if (exit.kind === 'exited') {
    const status = fromWaitResult(exit.result);
    if (exit.reaped) return { publish: true, status, outcome: 'reaped', leftToOwner: false };
    return { publish: true, status, outcome: 'observed', leftToOwner: !runtimeChild };
  }
  if (exit.errno === ERRNO.ECHILD) return runtimeChild ? { publish: false } : UNKNOWN;
  return { ...UNKNOWN, fault: exit.errno };
}

/**
 * From the /proc poller: a process gone (or not our child) is 'unknown'; our
 * zombie, left to its owner, still shows its wait status in /proc (field 52,
 * Linux ≥ 3.5).
 */
export function verdictOfPolled(stat: ProcStat | null): ExitVerdict {
  if (stat === null || stat.ppid !== process.pid) return UNKNOWN;
  const raw = stat.exitStatus;
  if (raw === undefined || !Number.isInteger(raw)) return { ...UNKNOWN, leftToOwner: true };
  return { publish: true, status: fromRawWaitStatus(raw), outcome: 'observed', leftToOwner: true };
}
