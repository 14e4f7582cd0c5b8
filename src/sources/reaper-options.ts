// The options of a Reaper: their types, defaults and checks, and the counters it reports.
import { assertLogger, silentLogger, type Logger } from '../core/logger.js';
import { assertDuration, assertOptions, rangeError, typeError } from '../core/validate.js';
import { DEFAULT_POLL_INTERVAL_MS } from './poll-backend.js';
import { DEFAULT_SWEEP_INTERVAL_MS } from './sweep-scheduler.js';

/** Where exits come from: pidfd readiness (Linux addon) or /proc polling. */
export type ReaperBackend = 'pidfd' | 'poll';

/** Options of `new Reaper()` and `Reaper.shared()`. */
export interface ReaperOptions {
  /** A pino-compatible logger; a child's pid is logged as `childPid`. @default silent */
  logger?: Logger;
  /** `'auto'` uses pidfd when the addon loads, else polls; `'pidfd'` throws NativeUnavailableError without it. @default 'auto' */
  backend?: 'auto' | ReaperBackend;
  /** How often polled pids are checked, in ms. @default DEFAULT_POLL_INTERVAL_MS (100) */
  pollIntervalMs?: number;
  /** Safety sweep period while adopting orphans, in ms (SIGCHLD triggers sweeps too). @default DEFAULT_SWEEP_INTERVAL_MS (1000) */
  sweepIntervalMs?: number;
}

/** Counters of one reaper: what an operator alerts on. */
export interface ReaperStats {
  /** Pids watched now. */
  watched: number;
  /** Exits collected by this reaper (watched and adopted). */
  reapedTotal: number;
  /** Exits read and left to their owner (e.g. node:child_process). */
  observedTotal: number;
  /** Exits whose status was not ours to read. */
  unknownTotal: number;
  /** Orphans (unwatched children) reaped by the sweep. */
  adoptedTotal: number;
  /** Orphan sweeps run. */
  sweeps: number;
  /** `Date.now()` of the last sweep, or null before the first. */
  lastSweepAt: number | null;
  /** Faults worked around (pidfd_open EMFILE, failed watches, failed waits). */
  errors: number;
}

// Checks the options object; returns it with defaults applied.
export function checkOptions(options: ReaperOptions | undefined): Required<ReaperOptions> {
  assertOptions(options);
  const { logger = silentLogger, backend = 'auto', pollIntervalMs = DEFAULT_POLL_INTERVAL_MS, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS } = options ?? {};
  assertLogger(logger);
  if (backend !== 'auto' && backend !== 'pidfd' && backend !== 'poll') {
    throw (typeof backend === 'string' ? rangeError : typeError)('options.backend', "'auto', 'pidfd' or 'poll'", backend);
  }
  assertDuration(pollIntervalMs, 'options.pollIntervalMs');
  assertDuration(sweepIntervalMs, 'options.sweepIntervalMs');
  return { logger, backend, pollIntervalMs: Math.max(1, pollIntervalMs), sweepIntervalMs: Math.max(1, sweepIntervalMs) };
}

// The option that differs between `have` and `wanted` (both checked), if any.
export function differingOption(have: Required<ReaperOptions>, wanted: Required<ReaperOptions>): string | undefined {
  return (Object.keys(have) as (keyof ReaperOptions)[]).find((key) => have[key] !== wanted[key]);
}
