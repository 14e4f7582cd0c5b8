// The child_process engine: node:child_process.spawn as in 0.1. The reaper,
// when the monitor has one, only observes the child (libuv reaps it); a
// monitor without a reaper gets the exit from the ChildProcess 'exit' event.
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import type { ExitEvent } from '../core/exit-event.js';
import type { ExitMonitor } from '../core/monitor.js';
import { loadNative } from '../native/load.js';
import { childProcessReaped } from '../sources/ownership.js';
import { reaperFor } from '../sources/reaper.js';
import { waitForExit, withExec } from './exit-wait.js';
import { notStarted, type ProcessParts } from './managed-process.js';
import { unstartedStdio } from './native-engine.js';
import { readProcessState } from './proc-stat.js';
import type { ResolvedSpawnOptions } from './spawn-options.js';

/** Starts the process with node:child_process and returns its parts. */
export function startWithChildProcess(command: string, args: readonly string[], o: ResolvedSpawnOptions, monitor: ExitMonitor): ProcessParts {
  let child: ChildProcess;
  try {
    // node can make a group only with setsid (detached): processGroup means a session here.
    child = spawnChild(command, args, { ...o.node, detached: o.processGroup });
  } catch (error) {
    // node throws, rather than emitting 'error', for some failures to start
    // (ENOTDIR or EACCES for cwd, EBADF for a stdio fd): like the native
    // engine (and execa), a process that could not start rejects `exited`,
    // whichever engine was chosen. Bad arguments still throw.
    if (!isStartFailure(error)) throw error;
    return notStarted(Promise.reject(error), undefined, unstartedStdio(o.node.stdio));
  }
  const pid = child.pid;
  if (pid === undefined) {
    // node emits the error on the next tick, after spawn() returned. No
    // subscription was made, so none can leak. The streams are ended ones of
    // our own: Bun and Deno destroy theirs without an end (a reader got
    // ERR_STREAM_PREMATURE_CLOSE where node's ended).
    return notStarted(new Promise<ExitEvent>((_resolve, reject) => child.once('error', reject)), child, unstartedStdio(o.node.stdio));
  }
  // A pidfd while libuv cannot have reaped the child yet (no loop turn since
  // the fork): kill() then never hits a recycled pid.
  const native = loadNative();
  const opened = native?.pidfdOpen(pid) ?? -1;
  const pidfd = opened >= 0 ? opened : -1;
  let exited: Promise<ExitEvent>;
  try {
    if (!watchWithReaper(monitor, pid, o.execId, o.containerId)) {
      child.once('exit', (code, signal) => {
        if (!monitor.closed) monitor.publish(withExec({ pid, code, signal, outcome: 'observed' }, o.execId, o.containerId));
      });
    }
    exited = waitForExit(monitor, pid, o.execId, o.containerId);
  } catch (error) {
    // Unreachable with validated arguments; if it happens anyway, do not
    // leave a process running that nobody can see exit.
    child.kill('SIGKILL');
    throw error;
  }
  const closePidfd = (): void => {
    if (pidfd >= 0 && native !== null) native.close(pidfd);
  };
  void exited.then(closePidfd, closePidfd);
  let exitSeen = false;
  void exited.then(() => void (exitSeen = true), () => undefined);
  return {
    pid,
    pgid: o.processGroup ? pid : undefined,
    child,
    stdio: child.stdio.map((s) => s ?? null),
    exited,
    cgroup: undefined,
    // Reaped by libuv, not merely seen: a reaper's WNOWAIT peek settles
    // `exited` first, and until libuv's wait the zombie pins the pid and its
    // group, so stop() still stops what is left as the child's tree (it took
    // the pinned id for a stranger's and stopped nothing).
    collected: () => childProcessReaped(child),
    setRefed: (refed) => (refed ? child.ref() : child.unref()),
    signal(signo) {
      if (exitSeen || childProcessReaped(child)) return false;
      // An exited child that libuv has not reaped yet (a zombie) accepts
      // signals and ignores them: report it gone, as the native engine does.
      if (pidfd >= 0 && native !== null) return native.pidfdReady(pidfd) !== 1 && native.pidfdSendSignal(pidfd, signo) === 0;
      if (readProcessState(pid) === 'zombie') return false;
      return child.kill(signo);
    },
  };
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

// A system error of node's spawn (errno, syscall 'spawn'), not an argument error.
function isStartFailure(error: unknown): boolean {
  const e = error as { errno?: unknown; syscall?: unknown } | null;
  return error instanceof Error && typeof e?.errno === 'number' && typeof e.syscall === 'string' && e.syscall.startsWith('spawn');
}
