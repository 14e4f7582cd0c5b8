// spawn(): node:child_process.spawn plus an exit promise that cannot miss the
// exit, a process group of its own, and a stop with escalation.
import { spawn as spawnChild, type ChildProcess, type SpawnOptions as NodeSpawnOptions } from 'node:child_process';
import { MonitorClosedError, SubscriptionClosedError } from '../core/errors.js';
import type { ExitEvent } from '../core/exit-event.js';
import type { ExitMonitor } from '../core/monitor.js';
import type { Topic } from '../core/topic.js';
import { assertNonEmptyString, assertOptionalString, assertOptions, typeError } from '../core/validate.js';
import { Reaper, reaperFor } from '../sources/reaper.js';
import { checkStopOptions, stopProcessGroup, stopProcessTree, type StopOptions, type StopResult } from './stop.js';

/** Options of `spawn`: node:child_process `SpawnOptions` plus these. */
export interface ManagedSpawnOptions extends NodeSpawnOptions {
  /**
   * The monitor the exit is published to (and `exited` read from). A monitor
   * with a reaper has it watch the pid; any other monitor gets the exit from
   * the ChildProcess 'exit' event, with outcome `'observed'`.
   * @default Reaper.shared().monitor
   */
  monitor?: ExitMonitor;
  /**
   * Registers the process as an exec: the event carries it and
   * `monitor.waitExec(execId)` resolves with it.
   * @example
   * const p = spawn('sh', ['-c', 'exit 3'], { execId: 'job-7' });
   * (await monitor.waitExec('job-7')).code; // 3
   */
  execId?: string;
  /** The exec's container; needs `execId`. */
  containerId?: string;
  /**
   * Start the child as the leader of a new process group, so that `stop()`
   * reaches everything it starts. This is node's `detached: true`, which on
   * Linux calls setsid(): the child also gets a new session and no controlling
   * terminal (Ctrl-C in a terminal no longer reaches it; forward signals
   * yourself). `false` keeps it in our group: `stop()` then signals the child
   * and its descendants one by one. When absent, an explicit `detached` decides.
   * @default true
   */
  processGroup?: boolean;
  /** Placeholder for the native engine's options (the spawn12 branch defines them). */
  foreground?: boolean;
  ignoredSignals?: readonly NodeJS.Signals[];
}

/** A child process with a guaranteed exit promise and a thorough stop. */
export interface ManagedProcess extends AsyncDisposable {
  /** The child's pid; `NaN` when it could not be started (then `exited` rejects). */
  readonly pid: number;
  /** The child's process group id when it leads its own group, else undefined. */
  readonly pgid: number | undefined;
  /** The node:child_process handle (stdio, 'exit', 'error' as usual). */
  readonly child: ChildProcess;
  /**
   * The exit, subscribed before the process could be observed to exit.
   * Rejects with the spawn error (ENOENT, EACCES…) when it could not start, and
   * with the monitor's error when the monitor closes first.
   */
  readonly exited: Promise<ExitEvent>;
  /**
   * Stops the child with its group and every descendant (including setsid
   * escapees): see `stopProcessTree`. After the child exited it stops what is
   * left of its group; resolves `alreadyExited: true` when nothing is.
   */
  stop(options?: StopOptions): Promise<StopResult>;
  /** `stop()` with the defaults, then waits for `exited` (if the stop left no survivors). */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a process like node:child_process `spawn` and tracks its exit.
 * `exited` is subscribed before the process can be observed to exit, so even
 * an instant exit is never missed (containerd #1452, #1525).
 *
 * @throws TypeError/RangeError for bad arguments; MonitorClosedError when the
 * monitor is closed (nothing is started). Spawn failures such as ENOENT do not
 * throw: they reject `exited` and emit 'error' on `child`, like node.
 * @example
 * await using p = spawn('my-server', ['--port', '8080']);
 * const exit = await p.exited; // { code, signal, status, … }
 */
export function spawn(command: string, args?: readonly string[], options?: ManagedSpawnOptions): ManagedProcess;
export function spawn(command: string, options?: ManagedSpawnOptions): ManagedProcess;
export function spawn(
  command: string,
  argsOrOptions?: readonly string[] | ManagedSpawnOptions,
  maybeOptions?: ManagedSpawnOptions,
): ManagedProcess {
  const [args, options] = Array.isArray(argsOrOptions)
    ? [argsOrOptions as readonly string[], maybeOptions]
    : [[] as readonly string[], (argsOrOptions ?? maybeOptions) as ManagedSpawnOptions | undefined];
  assertNonEmptyString(command, 'command');
  if (args.some((a) => typeof a !== 'string')) throw typeError('args', 'an array of strings', args);
  assertOptions(options);
  const { monitor: given, execId, containerId, processGroup, ...nodeOptions } = options ?? {};
  assertOptionalString(execId, 'options.execId');
  assertOptionalString(containerId, 'options.containerId');
  if (containerId !== undefined && execId === undefined) {
    throw new TypeError('Expected `options.execId` to be set when `options.containerId` is, got only `containerId`');
  }
  if (processGroup !== undefined && typeof processGroup !== 'boolean') {
    throw typeError('options.processGroup', 'a boolean', processGroup);
  }
  if (given !== undefined && !isMonitor(given)) throw typeError('options.monitor', 'an ExitMonitor', given);
  const monitor = given ?? Reaper.shared().monitor;
  // Refuse before starting anything: a closed monitor could never report the exit.
  if (monitor.closed) throw new MonitorClosedError('Cannot spawn: the exit monitor is closed');
  const ownGroup = processGroup ?? nodeOptions.detached ?? true;
  const child = spawnChild(command, args, { ...nodeOptions, detached: ownGroup });
  return new ManagedChild(child, monitor, ownGroup, execId, containerId);
}

// Duck-typed so that an ExitMonitor from another copy of exitmon (ESM next to
// CJS) is accepted; instanceof would reject it.
function isMonitor(value: unknown): value is ExitMonitor {
  const m = value as ExitMonitor | null;
  return typeof m === 'object' && m !== null && typeof m.subscribe === 'function' && typeof m.publish === 'function';
}

// The ManagedProcess behind spawn().
class ManagedChild implements ManagedProcess {
  readonly pid: number;
  readonly pgid: number | undefined;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitEvent>;
  /** The exit was published: the pid is at most a zombie, held for node to reap. */
  #exitSeen = false;

  constructor(child: ChildProcess, monitor: ExitMonitor, ownGroup: boolean, execId?: string, containerId?: string) {
    this.child = child;
    const pid = child.pid;
    this.pid = pid ?? Number.NaN;
    this.pgid = pid !== undefined && ownGroup ? pid : undefined;
    if (pid === undefined) {
      this.exited = spawnFailure(child);
    } else {
      try {
        this.exited = watchExit(child, pid, monitor, execId, containerId);
      } catch (error) {
        // Unreachable with validated arguments; if it happens anyway, do not
        // leave a process running that nobody can see exit.
        child.kill('SIGKILL');
        throw error;
      }
    }
    // Nobody has to await `exited`: this handler marks it handled, so an
    // unawaited failure is no unhandled rejection. Awaiters still see it.
    this.exited.then(
      () => void (this.#exitSeen = true),
      () => undefined,
    );
  }

  stop(options?: StopOptions): Promise<StopResult> {
    try {
      checkStopOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (Number.isNaN(this.pid)) return Promise.resolve(nothingToStop()); // never started
    // Once node reaped the child its pid may be reused by a stranger: signal
    // the pid (stopProcessTree) only while the child is known unreaped; after
    // that only the group, which cannot be reused while any member is left.
    if (hasBeenReaped(this.child) || this.#exitSeen) {
      return this.pgid !== undefined ? stopProcessGroup(this.pgid, options) : Promise.resolve(nothingToStop());
    }
    return stopProcessTree(this.pid, options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const result = await this.stop();
    if (result.survivors.length === 0) await this.exited.catch(() => undefined);
  }
}

// `exited` for a child that never started: node emits the error on the next
// tick, after spawn() returned. No subscription was made, so none can leak.
function spawnFailure(child: ChildProcess): Promise<ExitEvent> {
  return new Promise((_resolve, reject) => child.once('error', reject));
}

// Has the exit reported into the monitor and subscribes to it.
//
// Why this cannot miss the exit: the process may well have exited already
// (spawn() returned after fork+exec), but exit sources only publish from event
// loop callbacks (pidfd readiness, SIGCHLD, timers), and no loop turn happens
// between spawnChild() returning and the subscribe() below, which runs in the
// same synchronous turn as the watch. Subscribing here is therefore
// equivalent to subscribing before the start, which is how containerd closed
// the lost-exit race (#1452, #1525). The watch comes first on purpose: if the
// reaper still watched an earlier process with this pid whose exit it had not
// collected yet (PID reuse while the loop was busy), watch() publishes that
// stale exit synchronously, and it reaches no subscription made after it. A
// fresh subscription rather than `monitor.waitPid` also ignores the
// recent-exits cache, which could hold the exit of an earlier process that had
// the same pid.
function watchExit(child: ChildProcess, pid: number, monitor: ExitMonitor, execId?: string, containerId?: string): Promise<ExitEvent> {
  const topic: Topic = execId === undefined ? { pid } : containerId === undefined ? { execId } : { execId, containerId };
  if (!watchWithReaper(monitor, pid, execId, containerId)) {
    // No reaper feeds this monitor: node reaps the child anyway, so report
    // what its 'exit' event says, as an 'observed' exit.
    child.once('exit', (code, signal) => {
      if (!monitor.closed) monitor.publish(withExec({ pid, code, signal, outcome: 'observed' }, execId, containerId));
    });
  }
  const subscription = monitor.subscribe(topic);
  const exit = subscription.next().catch((error: unknown) => {
    // The monitor closed under the subscription: say so directly.
    throw error instanceof SubscriptionClosedError && error.cause instanceof MonitorClosedError ? error.cause : error;
  });
  void exit.then(
    () => subscription.unsubscribe(),
    () => subscription.unsubscribe(),
  );
  return exit;
}

// Has the monitor's reaper watch the pid; false when the monitor has none or it
// refused (closed meanwhile), so the caller falls back to the 'exit' event.
// The reaper only observes node's children (WNOWAIT): libuv still reaps them.
function watchWithReaper(monitor: ExitMonitor, pid: number, execId?: string, containerId?: string): boolean {
  const reaper = reaperFor(monitor);
  if (reaper === undefined) return false;
  try {
    reaper.watch(pid, withExec({}, execId, containerId));
    return true;
  } catch {
    return false;
  }
}

// Adds execId/containerId to an object only when set (the core rejects undefined keys in some places).
function withExec<T extends object>(base: T, execId?: string, containerId?: string): T & { execId?: string; containerId?: string } {
  const out: T & { execId?: string; containerId?: string } = { ...base };
  if (execId !== undefined) out.execId = execId;
  if (containerId !== undefined) out.containerId = containerId;
  return out;
}

// Whether node has reaped the child (exitCode/signalCode are set in the same
// callback that reaps it, before 'exit' is emitted).
function hasBeenReaped(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

// The result of stopping a process that never started or is known gone.
function nothingToStop(): StopResult {
  return { forced: false, alreadyExited: true, survivors: [], durationMs: 0 };
}
