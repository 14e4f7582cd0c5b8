// spawn(): start a process (natively where possible, else with
// node:child_process), with an exit promise that cannot miss the exit, a
// process group of its own, and a stop with escalation.
import { MonitorClosedError, NativeUnavailableError } from '../core/errors.js';
import { ExitMonitor } from '../core/monitor.js';
import { assertNonEmptyString, assertOptions, typeError } from '../core/validate.js';
import { Reaper } from '../sources/reaper.js';
import { hasProcFs } from './proc-stat.js';
import { startWithChildProcess } from './child-process-engine.js';
import { ManagedChild, type ManagedProcess } from './managed-process.js';
import { CLONE_REFUSED, startNativeProcess } from './native-process.js';
import { chooseEngine, needsNativeEngine } from './spawn-engine.js';
import { resolveSpawnOptions, type ManagedSpawnOptions } from './spawn-options.js';

export type { ManagedProcess } from './managed-process.js';
export type { ManagedSpawnOptions, SpawnEngine } from './spawn-options.js';

/**
 * Starts a process and tracks its exit. `exited` is subscribed before the
 * process can be observed to exit, so even an instant exit is never missed
 * (containerd #1452, #1525).
 *
 * The native engine (the default where the addon is loaded, the monitor has a
 * pidfd reaper and the options allow) starts the process with clone3 and a
 * pidfd from birth, and the reaper reaps it (outcome `'reaped'`);
 * `engine: 'child_process'`, or options it cannot honour (`shell`, an `'ipc'`
 * stdio, `serialization`, …), use node:child_process as in 0.1.
 *
 * @throws TypeError/RangeError for bad arguments; MonitorClosedError when the
 * monitor is closed; NativeUnavailableError for `cgroup: true` or
 * `engine: 'native'` where they cannot be honoured (nothing is started).
 * Start failures (ENOENT, EACCES, a `cwd` that is a file, a bad stdio fd)
 * never throw, whichever engine: they reject `exited` (and emit 'error' on
 * `child` when node made one, like node), as execa does.
 * @example
 * await using p = spawn('my-server', ['--port', '8080'], { timeout: 60_000 });
 * const exit = await p.exited; // { code, signal, status, … }
 */
export function spawn(command: string, args?: readonly string[], options?: ManagedSpawnOptions): ManagedProcess;
export function spawn(command: string, options?: ManagedSpawnOptions): ManagedProcess;
export function spawn(
  command: string,
  argsOrOptions?: readonly string[] | ManagedSpawnOptions,
  maybeOptions?: ManagedSpawnOptions,
): ManagedProcess {
  assertNonEmptyString(command, 'command');
  // spawn(command, options) is node's overload too; anything else in second place is a bad `args`.
  if (argsOrOptions !== undefined && argsOrOptions !== null && typeof argsOrOptions !== 'object') throw typeError('args', 'an array of strings', argsOrOptions);
  const [args, options] = Array.isArray(argsOrOptions)
    ? [argsOrOptions as readonly string[], maybeOptions]
    : [[] as readonly string[], (argsOrOptions ?? maybeOptions) as ManagedSpawnOptions | undefined];
  if (args.some((a) => typeof a !== 'string')) throw typeError('args', 'an array of strings', args);
  assertOptions(options);
  const resolved = resolveSpawnOptions(options);
  // Before anything starts, not from an exit handler later: a runtime that
  // refuses /proc (Deno without -A) throws NativeUnavailableError here.
  hasProcFs();
  const given = resolved.monitor;
  if (given !== undefined && !(given instanceof ExitMonitor)) throw typeError('options.monitor', 'an ExitMonitor', given);
  const monitor = given ?? Reaper.shared().monitor;
  // Refuse before starting anything: a closed monitor could never report the exit.
  if (monitor.closed) throw new MonitorClosedError('Cannot spawn: the exit monitor is closed');
  const choice = chooseEngine(resolved, monitor);
  // A restart with the same execId: waitExec must wait for this process, not
  // answer with the previous run's remembered exit.
  if (resolved.execId !== undefined) forgetExec(monitor, resolved.execId, resolved.containerId);
  let parts = choice.engine === 'native' ? startNativeProcess(choice.binding, command, args, resolved, monitor) : undefined;
  if (parts === CLONE_REFUSED) {
    // Nothing was started: the clone itself is refused here (see spawn-engine.ts).
    if (needsNativeEngine(resolved)) throw new NativeUnavailableError('The native spawn engine', { cause: 'clone refused' });
    parts = undefined;
  }
  parts ??= startWithChildProcess(command, args, resolved, monitor);
  return new ManagedChild(parts, resolved);
}

// ExitMonitor.forget is @internal and absent on monitors of older copies.
function forgetExec(monitor: ExitMonitor, execId: string, containerId: string | undefined): void {
  const forget = (monitor as { forget?: ExitMonitor['forget'] }).forget;
  if (typeof forget === 'function') forget.call(monitor, containerId === undefined ? { execId } : { execId, containerId });
}
