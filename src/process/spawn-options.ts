// The options of spawn(): their types, TSDoc and validation, shared by both engines.
import type { SpawnOptions as NodeSpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import type { ExitMonitor } from '../core/monitor.js';
import { assertAbortSignal, assertDuration, assertNonNegativeInt32, assertOptionalString, typeError } from '../core/validate.js';
import { DEFAULT_GRACE_MS, DEFAULT_KILL_SIGNAL } from './stop.js';
import { killSignalNumber } from './kill-signal.js';
import { signalNumber } from '../core/signals.js';
import { assertNodeOptions } from './node-options.js';

// What sigaction(2) refuses to ignore.
const UNIGNORABLE: ReadonlySet<number> = new Set([constants.signals.SIGKILL, constants.signals.SIGSTOP]);

/** Which implementation starts the process. */
export type SpawnEngine = 'native' | 'child_process';

/** Options of `spawn`: node:child_process `SpawnOptions` plus these. */
export interface ManagedSpawnOptions extends Omit<NodeSpawnOptions, 'timeout' | 'signal' | 'killSignal'> {
  /**
   * The monitor the exit is published to (and `exited` read from). A monitor
   * with a reaper has it watch (and, for the native engine, reap) the pid; any
   * other monitor gets the exit from the ChildProcess 'exit' event, with
   * outcome `'observed'`, and implies the child_process engine.
   * @default Reaper.shared().monitor
   */
  monitor?: ExitMonitor;
  /**
   * Registers the process as an exec: the event carries it and
   * `monitor.waitExec(execId)` resolves with it. The exec's remembered
   * earlier exit is forgotten before the process starts, so a `waitExec`
   * after a restart waits for the new process.
   * @example
   * const p = spawn('sh', ['-c', 'exit 3'], { execId: 'job-7' });
   * (await monitor.waitExec('job-7')).code; // 3
   */
  execId?: string;
  /** The exec's container; needs `execId`. */
  containerId?: string;
  /**
   * The child leads a new process group, so that `stop()` reaches everything
   * it starts. With the native engine the group stays in our session (Ctrl-C
   * in the terminal still reaches it unless `foreground` moves it); the
   * child_process engine can only do this with setsid() (node's `detached`),
   * which also drops the controlling terminal. `false` keeps it in our group
   * (node's `detached: false`, its default, does not).
   * @default true
   */
  processGroup?: boolean;
  /**
   * Start a new session (setsid): no controlling terminal, own group.
   * @default false
   */
  session?: boolean;
  /**
   * Native engine only: the child's new group becomes the foreground process
   * group of the terminal on its stdin (job control and /dev/tty work in it).
   * Needs `processGroup`; nothing happens when stdin is not a terminal. Handing
   * the terminal back afterwards is the caller's job.
   * @default false
   */
  foreground?: boolean;
  /**
   * Native engine only: the child gets its stdio entries and no other fd.
   * Whatever this process holds without close-on-exec (fds its own parent
   * handed it) stays here, as supervisord does for its programs and Python's
   * `close_fds` does (close_range(2), Linux 5.9; older kernels pass them on).
   * Off, such fds reach the child, as with node:child_process. The
   * child_process engine cannot honour it and passes them on.
   * @default false
   */
  closeOtherFds?: boolean;
  /**
   * Native engine only: signals that are SIG_IGN in the child. Every other
   * disposition is reset to SIG_DFL and the signal mask is cleared, as node does.
   * @default []
   */
  ignoredSignals?: readonly NodeJS.Signals[];
  /**
   * Native engine only: the soft limit of open files (RLIMIT_NOFILE) the
   * child starts with, clamped to the hard limit. Node, Bun and Deno raise
   * their own soft limit to the hard one at start, and children inherit it;
   * `exitmon run` passes the limit it was started with, as tini keeps it.
   * @default this process's soft limit
   */
  openFileLimit?: number;
  /** Stop the whole group (`graceMs`, then `killSignal`) after this many ms; 0 (as in node:child_process): none. */
  timeout?: number;
  /** Stop the whole group the same way when this signal aborts. */
  signal?: AbortSignal;
  /** The grace of stops by `timeout`, `signal` and `cleanup`. @default DEFAULT_GRACE_MS (5000) */
  graceMs?: number;
  /** The escalation signal; must terminate (RangeError for SIGSTOP, SIGCONT, …). @default 'SIGKILL' */
  killSignal?: NodeJS.Signals;
  /**
   * When this process exits (normally, by an uncaught exception, or by a
   * SIGINT/SIGTERM/SIGHUP that nobody else handles), the child's group (or
   * cgroup) gets `killSignal`. Off by default for an explicit `detached: true`.
   * @default true
   */
  cleanup?: boolean;
  /**
   * Start inside a fresh cgroup v2 (native engine; Linux 5.7): nothing the
   * process starts can escape `stop()`, and the exit carries `resources`.
   * `true` throws NativeUnavailableError where impossible; `'auto'` falls back.
   * @default false
   */
  cgroup?: boolean | 'auto';
  /** The cgroup v2 directory to create cgroups under. @default $EXITMON_CGROUP_BASE, else probed */
  cgroupBase?: string;
  /** @default 'native' where the addon is loaded and the options allow, else 'child_process' */
  engine?: SpawnEngine;
}

/** The options after validation, split into ours and node's. */
export interface ResolvedSpawnOptions {
  readonly monitor: ExitMonitor | undefined;
  readonly execId: string | undefined;
  readonly containerId: string | undefined;
  readonly processGroup: boolean;
  readonly session: boolean;
  readonly foreground: boolean;
  readonly closeOtherFds: boolean;
  readonly ignoredSignals: readonly number[];
  readonly openFileLimit: number | undefined;
  readonly timeout: number | undefined;
  readonly abort: AbortSignal | undefined;
  readonly graceMs: number;
  readonly killSignal: NodeJS.Signals;
  readonly cleanup: boolean;
  readonly cgroup: boolean | 'auto';
  readonly cgroupBase: string | undefined;
  readonly engine: SpawnEngine | undefined;
  /** Everything else, as node:child_process takes it. */
  readonly node: NodeSpawnOptions;
}

function assertOptionalBoolean(value: unknown, name: string): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw typeError(name, 'a boolean', value);
}

// Validates spawn's own options, and those of node's that the engines would
// treat differently (node-options.ts); the rest node or the native engine checks.
export function resolveSpawnOptions(options: ManagedSpawnOptions | undefined): ResolvedSpawnOptions {
  const {
    monitor, execId, containerId, processGroup, session, foreground, closeOtherFds, ignoredSignals, openFileLimit, timeout, signal, graceMs,
    killSignal, cleanup, cgroup, cgroupBase, engine, ...node
  } = options ?? {};
  assertOptionalString(execId, 'options.execId');
  assertOptionalString(containerId, 'options.containerId');
  if (containerId !== undefined && execId === undefined) {
    throw new TypeError('Expected `options.execId` to be set when `options.containerId` is, got only `containerId`');
  }
  assertOptionalBoolean(processGroup, 'options.processGroup');
  assertOptionalBoolean(session, 'options.session');
  assertOptionalBoolean(foreground, 'options.foreground');
  assertOptionalBoolean(closeOtherFds, 'options.closeOtherFds');
  assertOptionalBoolean(cleanup, 'options.cleanup');
  // node:child_process rejects it too; both engines read it before node would.
  assertOptionalBoolean(node.detached, 'options.detached');
  assertNodeOptions(node);
  if (ignoredSignals !== undefined && !Array.isArray(ignoredSignals)) throw typeError('options.ignoredSignals', 'an array of signal names', ignoredSignals);
  const ignored = (ignoredSignals ?? []).map((s) => signalNumber(s, 'options.ignoredSignals'));
  for (const [k, signo] of ignored.entries()) {
    if (UNIGNORABLE.has(signo)) throw new RangeError(`Expected \`options.ignoredSignals\` to hold signals that can be ignored, got ${String(ignoredSignals![k])} (SIGKILL and SIGSTOP cannot be)`);
  }
  // An int32 for the addon; the kernel's own ceiling (fs.nr_open) is far below.
  if (openFileLimit !== undefined) assertNonNegativeInt32(openFileLimit, 'options.openFileLimit');
  if (timeout !== undefined) assertDuration(timeout, 'options.timeout');
  if (signal !== undefined) assertAbortSignal(signal, 'options.signal');
  if (graceMs !== undefined) assertDuration(graceMs, 'options.graceMs');
  if (killSignal !== undefined) killSignalNumber(killSignal, 'options.killSignal');
  if (cgroup !== undefined && cgroup !== true && cgroup !== false && cgroup !== 'auto') {
    throw typeError('options.cgroup', "a boolean or 'auto'", cgroup);
  }
  assertOptionalString(cgroupBase, 'options.cgroupBase');
  if (engine !== undefined && engine !== 'native' && engine !== 'child_process') {
    throw typeError('options.engine', "'native' or 'child_process'", engine);
  }
  // 0.1: with processGroup absent, an explicit `detached: true` decided
  // (setsid). `detached: false` is node's default and changes nothing: the
  // child still leads its own group, so stop() reaches what it starts.
  const detached = node.detached;
  // A new session is a new group (setsid): asking for one and for no group contradicts itself.
  if (processGroup === false && (session === true || detached === true)) {
    const asked = session === true ? '`session: true`' : '`detached: true` (node: a new session)';
    throw new TypeError(`Expected \`options.processGroup\` not to be false with ${asked}: a new session is a new process group`);
  }
  const ownSession = session ?? (processGroup === undefined && detached === true);
  const ownGroup = ownSession || (processGroup ?? true);
  if (foreground === true && (!ownGroup || ownSession)) {
    throw new TypeError('Expected `options.foreground` to be used with a process group in our session (`processGroup: true`, no `session`), got `foreground: true` without one');
  }
  return {
    monitor,
    execId,
    containerId,
    processGroup: ownGroup,
    session: ownSession,
    foreground: foreground ?? false,
    closeOtherFds: closeOtherFds ?? false,
    ignoredSignals: ignored,
    openFileLimit,
    timeout,
    abort: signal,
    graceMs: graceMs ?? DEFAULT_GRACE_MS,
    killSignal: killSignal ?? DEFAULT_KILL_SIGNAL,
    // Like execa: a child meant to outlive us (explicit detached) is not killed at our exit.
    cleanup: cleanup ?? detached !== true,
    cgroup: cgroup ?? false,
    cgroupBase,
    engine,
    node,
  };
}
