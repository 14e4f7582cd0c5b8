// ExitEvent: the immutable record of one process exit, shared by every
// subscription that receives it.
import { signalNumber } from './signals.js';
import { assertOptions, assertOptionalString, assertPid, typeError, valueError } from './validate.js';

/** How exitmon learned of an exit. */
export type ExitOutcome = 'reaped' | 'observed' | 'unknown';

const OUTCOMES: ReadonlySet<string> = new Set(['reaped', 'observed', 'unknown']);

/**
 * What a process used, read from its cgroup v2 when it ran contained
 * (`spawn(…, { cgroup: true })`): the whole cgroup, i.e. the process and every
 * descendant that ran in it. Fields the kernel does not report are absent.
 */
export interface ExitResources {
  /** CPU time in user mode, in µs (cgroup `cpu.stat` user_usec). */
  readonly cpuUserUs: number;
  /** CPU time in kernel mode, in µs (cgroup `cpu.stat` system_usec). */
  readonly cpuSystemUs: number;
  /** Peak memory use in bytes (`memory.peak`, Linux 5.19, needs the memory controller). */
  readonly memoryPeakBytes?: number;
  /** The kernel's OOM killer killed a process of the cgroup (`memory.events` oom_kill). */
  readonly oomKilled?: boolean;
}

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
  /** `Date.now()` when the exit was published (read by each publish(), unless given). */
  readonly timestamp: number;
  /** What the process used, when it ran in a cgroup of its own (see ExitResources). */
  readonly resources?: ExitResources;
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
  /** @default Date.now(), read by publish() */
  timestamp?: number;
  /** Set by sources that know what the process used (cgroup containment). */
  resources?: ExitResources;
}

// Validates an ExitInit and builds the frozen event. Throws TypeError/RangeError.
export function createExitEvent(init: ExitInit, seq: number): ExitEvent {
  if (typeof init !== 'object' || init === null) throw typeError('exit', 'an object with a `pid`', init);
  assertOptions(init, 'exit');
  assertPid(init.pid, 'pid');
  const code = init.code ?? null;
  if (code !== null && (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 255)) {
    throw valueError('code', 'null or an integer from 0 to 255', code);
  }
  const signal = init.signal ?? null;
  const signalNo = signal === null ? 0 : signalNumber(signal, 'signal');
  if (code !== null && signal !== null) {
    throw new TypeError('Expected only one of `code` and `signal` to be set, got both');
  }
  const coreDumped = init.coreDumped ?? false;
  if (typeof coreDumped !== 'boolean') throw typeError('coreDumped', 'a boolean', coreDumped);
  let status = init.status;
  if (status === undefined) status = code !== null ? code : signal !== null ? 128 + signalNo : -1;
  else if (typeof status !== 'number' || !Number.isInteger(status) || status < -1) {
    throw valueError('status', 'an integer ≥ -1', status);
  }
  // Only an absent outcome defaults (null is no outcome); a string that names
  // none is out of range, anything else the wrong type.
  const outcome = init.outcome === undefined ? 'reaped' : init.outcome;
  if (!OUTCOMES.has(outcome)) throw valueError('outcome', "'reaped', 'observed' or 'unknown'", outcome, 'string');
  assertOptionalString(init.execId, 'execId');
  assertOptionalString(init.containerId, 'containerId');
  if (init.containerId !== undefined && init.execId === undefined) {
    throw new TypeError('Expected `execId` to be set when `containerId` is, got only `containerId`');
  }
  const timestamp = init.timestamp ?? Date.now();
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw valueError('timestamp', 'a finite number (ms since the epoch)', timestamp);
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
  if (init.resources !== undefined) event.resources = checkResources(init.resources);
  return Object.freeze(event);
}

// Validates ExitInit.resources and returns a frozen copy.
function checkResources(resources: ExitResources): ExitResources {
  if (typeof resources !== 'object' || resources === null) throw typeError('resources', 'an object', resources);
  const { cpuUserUs, cpuSystemUs, memoryPeakBytes, oomKilled } = resources;
  for (const [name, value] of [['cpuUserUs', cpuUserUs], ['cpuSystemUs', cpuSystemUs], ['memoryPeakBytes', memoryPeakBytes]] as const) {
    if (value === undefined && name === 'memoryPeakBytes') continue;
    if (typeof value !== 'number' || !(value >= 0)) throw valueError(`resources.${name}`, 'a number ≥ 0', value);
  }
  if (oomKilled !== undefined && typeof oomKilled !== 'boolean') throw typeError('resources.oomKilled', 'a boolean', oomKilled);
  const copy: { -readonly [K in keyof ExitResources]: ExitResources[K] } = { cpuUserUs, cpuSystemUs };
  if (memoryPeakBytes !== undefined) copy.memoryPeakBytes = memoryPeakBytes;
  if (oomKilled !== undefined) copy.oomKilled = oomKilled;
  return Object.freeze(copy);
}
