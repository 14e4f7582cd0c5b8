// What `reaper.stopAdopted()` needs from the stop engine, which lives a layer
// above the reaper (src/process: escalation, pins, PID-reuse-safe signals).
// The reaper may not import it (folders import only downward, see
// docs/architecture.md), so src/process/stop.ts registers its multi-root
// tree stop here when it is loaded; the package entry loads both. The stop
// options and result types live here for the same reason: the reaper's
// public signature names them.
import { ExitMonitorError } from '../core/errors.js';

/** How to stop a process group or tree. */
export interface StopOptions {
  /**
   * The first signal, sent to the whole group.
   * @default 'SIGTERM'
   */
  signal?: NodeJS.Signals;
  /**
   * How long to wait for every member to exit before escalating, in ms. `0`
   * escalates at once.
   * @default 5000
   */
  graceMs?: number;
  /**
   * The escalation signal, sent to every member still alive after the grace,
   * one by one and to each group. Must terminate: SIGSTOP, SIGCONT, SIGTSTP,
   * SIGTTIN, SIGTTOU, SIGCHLD, SIGURG and SIGWINCH are a RangeError.
   * @default 'SIGKILL'
   */
  killSignal?: NodeJS.Signals;
  /**
   * Cancels the wait: the promise rejects with the signal's reason. Signals
   * already sent stay sent; an already aborted signal sends nothing.
   * @example
   * await stopProcessGroup(pgid, { signalAbort: AbortSignal.timeout(1000) });
   */
  signalAbort?: AbortSignal;
}

/** How a stop went. */
export interface StopResult {
  /** The kill signal had to be sent (something outlived the grace). */
  forced: boolean;
  /** Nothing was alive when the stop began; nothing was signalled. */
  alreadyExited: boolean;
  /** Pids still alive after the kill signal and its verification window (normally empty). */
  survivors: number[];
  /** From the call to the result, in ms. */
  durationMs: number;
}

/** A tree root as a listing saw it: a stop leaves it alone if the pid names another process by then. */
export interface TreeRoot {
  readonly pid: number;
  readonly startTime: number;
}

/** Stops several trees at once with one combined result (src/process/stop.ts: stopProcessTrees). */
export type TreeStopper = (roots: readonly TreeRoot[], options?: StopOptions) => Promise<StopResult>;

let stopper: TreeStopper | undefined;

/** @internal Called once by src/process/stop.ts when it is loaded. */
export function setTreeStopper(stop: TreeStopper): void {
  stopper = stop;
}

/** The registered tree stop; throws when only the reaper's module was loaded (not the package entry). */
export function treeStopper(): TreeStopper {
  if (stopper === undefined) {
    throw new ExitMonitorError('Stopping processes needs the stop engine: import exitmon from its package entry', 'ERR_NO_STOP_ENGINE');
  }
  return stopper;
}
