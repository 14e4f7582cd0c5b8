// ExitEvent: the immutable record of one process exit, shared by every
// subscription that receives it.
import { coarseNow } from './coarse-clock.js';
import { signalNumber } from './signals.js';
import { assertOptions, assertOptionalString, assertPid, rangeError, typeError } from './validate.js';

/** How exitmon learned of an exit. */
export type ExitOutcome = 'reaped' | 'observed' | 'unknown';

const OUTCOMES: ReadonlySet<string> = new Set(['reaped', 'observed', 'unknown']);

/** One process exit as delivered to subscribers. Frozen; one object per exit. */
export interface ExitEvent {
  /** Monitor-wide sequence number, strictly increasing in publish order (from 1). */
  readonly seq: number;
  readonly pid: number;
  /** Set when the pid was registered as an exec. */
  readonly execId?: string;
  readonly containerId?: string;
  /** Exit code when the process exited normally, else null. */
  readonly code: number | null;
  /** Terminating signal name, e.g. `'SIGKILL'`, else null. */
  readonly signal: NodeJS.Signals | null;
  /** `code`, or 128 + signal number; -1 when unknown. */
  readonly status: number;
  readonly coreDumped: boolean;
  /**
   * `'reaped'`: exitmon collected the zombie itself;
   * `'observed'`: exitmon read the status and left the zombie to its owner;
   * `'unknown'`: the process is gone but its status is not ours to read.
   */
  readonly outcome: ExitOutcome;
  /** `Date.now()` when the exit was collected (read at most once per 32 publishes of one burst). */
  readonly timestamp: number;
}

/** What a source hands to `ExitMonitor.publish`. */
export interface ExitInit {
  pid: number;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  coreDumped?: boolean;
  /** Derived when absent: code, or 128 + signal number, else -1. */
  status?: number;
  /** @default 'reaped' */
  outcome?: ExitOutcome;
  execId?: string;
  containerId?: string;
  /** @default Date.now() (see coarse-clock.ts: shared within a burst of publishes) */
  timestamp?: number;
}

// Validates an ExitInit and builds the frozen event. Throws TypeError/RangeError.
export function createExitEvent(init: ExitInit, seq: number): ExitEvent {
  if (typeof init !== 'object' || init === null) throw typeError('exit', 'an object with a `pid`', init);
  assertOptions(init, 'exit');
  assertPid(init.pid, 'exit.pid');
  const code = init.code ?? null;
  if (code !== null && (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 255)) {
    throw (typeof code === 'number' ? rangeError : typeError)('exit.code', 'null or an integer from 0 to 255', code);
  }
  const signal = init.signal ?? null;
  const signalNo = signal === null ? 0 : signalNumber(signal, 'exit.signal');
  if (code !== null && signal !== null) {
    throw new TypeError('Expected only one of `exit.code` and `exit.signal` to be set, got both');
  }
  const coreDumped = init.coreDumped ?? false;
  if (typeof coreDumped !== 'boolean') throw typeError('exit.coreDumped', 'a boolean', coreDumped);
  let status = init.status;
  if (status === undefined) status = code !== null ? code : signal !== null ? 128 + signalNo : -1;
  else if (typeof status !== 'number' || !Number.isInteger(status) || status < -1) {
    throw (typeof status === 'number' ? rangeError : typeError)('exit.status', 'an integer ≥ -1', status);
  }
  const outcome = init.outcome ?? 'reaped';
  if (!OUTCOMES.has(outcome)) throw rangeError('exit.outcome', "'reaped', 'observed' or 'unknown'", outcome);
  assertOptionalString(init.execId, 'exit.execId');
  assertOptionalString(init.containerId, 'exit.containerId');
  if (init.containerId !== undefined && init.execId === undefined) {
    throw new TypeError('Expected `exit.execId` to be set when `exit.containerId` is, got only `containerId`');
  }
  const timestamp = init.timestamp ?? coarseNow();
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw typeError('exit.timestamp', 'a finite number (ms since the epoch)', timestamp);
  }
  const event: { -readonly [K in keyof ExitEvent]: ExitEvent[K] } = {
    seq,
    pid: init.pid,
    code,
    signal: signal as NodeJS.Signals | null,
    status,
    coreDumped,
    outcome,
    timestamp,
  };
  if (init.execId !== undefined) event.execId = init.execId;
  if (init.containerId !== undefined) event.containerId = init.containerId;
  return Object.freeze(event);
}
