// The options every stop takes (stopProcessGroup, stopProcessTree, a
// contained process's cgroup stop): their defaults and their validation.
import { assertAbortSignal, assertDuration, assertOptions, typeError } from '../core/validate.js';
import { signalNumber } from '../core/signals.js';
import { killSignalNumber } from './kill-signal.js';
import type { StopOptions } from '../sources/tree-stopper.js';

/** The signal a stop starts with. */
export const DEFAULT_STOP_SIGNAL: NodeJS.Signals = 'SIGTERM';
/** How long a stop waits after the first signal before escalating, in ms. */
export const DEFAULT_GRACE_MS = 5000;
/** The signal a stop escalates to. */
export const DEFAULT_KILL_SIGNAL: NodeJS.Signals = 'SIGKILL';
/** How long a stop keeps checking after the kill signal before it reports survivors, in ms. */
export const KILL_VERIFY_MS = 2000;

/** StopOptions with the defaults applied, signals as numbers. */
export interface ResolvedStopOptions {
  signal: number;
  graceMs: number;
  killSignal: number;
  abort: AbortSignal | undefined;
}

// Validates StopOptions without stopping anything (for callers that may
// resolve early, like ManagedProcess.stop on a process that never started).
export function checkStopOptions(options: StopOptions | undefined): void {
  resolveStopOptions(options);
}

// Validates StopOptions with the shared argument-error wording.
export function resolveStopOptions(options: StopOptions | undefined): ResolvedStopOptions {
  assertOptions(options);
  const o = options ?? {};
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  assertDuration(graceMs, 'options.graceMs');
  const abort = o.signalAbort;
  if (abort !== undefined) assertAbortSignal(abort, 'options.signalAbort');
  return {
    signal: signalNumber(o.signal ?? DEFAULT_STOP_SIGNAL, 'options.signal'),
    graceMs,
    killSignal: killSignalNumber(o.killSignal ?? DEFAULT_KILL_SIGNAL, 'options.killSignal'),
    abort,
  };
}
