// The one liveness rule of exitmon, hasExited(), and the questions built on
// it: does pid exist, is it running, what is it doing. Read-only (/proc, or
// kill(pid, 0) without it), so asking never reaps a zombie from its owner.
import { typeError, MAX_PID } from '../core/validate.js';
import { hasProcFs, otherThreadStats, readProcStat, rethrowRefusal, type ProcessState, type ProcStat } from './stat.js';

// Numbers that cannot name a process are "no such process", not an error:
// callers probing a pid they got from elsewhere should not need a try/catch.
function isPidLike(pid: unknown, name: string): boolean {
  if (typeof pid !== 'number') throw typeError(name, 'a number', pid);
  return Number.isInteger(pid) && pid > 0 && pid <= MAX_PID;
}

// Whether kill(pid, 0) finds the process; EPERM means it exists but is not ours.
// Signal 0 only checks: it neither reaps nor disturbs the process. Only
// ESRCH is "no such process"; anything else (a runtime's refusal) is thrown.
export function probeKill(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    rethrowRefusal(error, 'Signalling processes');
    throw error;
  }
}

/** True when pid names a process right now (a zombie counts): /proc, or kill(pid, 0) without it. */
export function processExists(pid: number): boolean {
  return hasProcFs() ? readProcStat(pid) !== null : probeKill(pid);
}

/**
 * THE liveness rule: whether a process has exited (it may await reaping).
 * 'X' is dead; 'Z' is exited unless it is a thread-group leader that only
 * called pthread_exit() while its other threads run: /proc shows the leader
 * as 'Z' then, but the process runs (pidfd_open(2): its pidfd becomes
 * readable only once the whole thread group exited). The leader still counts
 * in num_threads until it is reaped, so more than one thread means running.
 * A bare state (no thread count) is judged by the state alone.
 */
export function hasExited(stat: ProcStat | ProcessState): boolean {
  if (typeof stat === 'string') return stat === 'zombie' || stat === 'dead';
  return stat.state === 'dead' || (stat.state === 'zombie' && !(stat.threads > 1));
}

/**
 * The state of a process, or `null` when there is no such process. Never
 * reaps: it reads `/proc/<pid>/stat`, so a zombie stays a zombie for its
 * owner to collect. Without /proc it falls back to `kill(pid, 0)` and answers
 * `'unknown'` for any process that exists (zombies included). A process whose
 * thread-group leader called pthread_exit() while other threads run is not a
 * zombie (see hasExited): its state is that of its first live thread.
 *
 * Returns `null` for 0, negative, fractional and out-of-range numbers; throws
 * a TypeError for a non-number.
 *
 * @example
 * readProcessState(process.pid); // 'running'
 * readProcessState(123456);      // null
 */
export function readProcessState(pid: number): ProcessState | null {
  if (!isPidLike(pid, 'pid')) return null;
  if (!hasProcFs()) return probeKill(pid) ? 'unknown' : null;
  const stat = readProcStat(pid);
  if (stat === null || stat.state !== 'zombie' || hasExited(stat)) return stat?.state ?? null;
  return liveThreadState(pid) ?? stat.state;
}

// The state of the first thread of pid that has not exited (tasks of a
// running process whose leader already exited), if any.
function liveThreadState(pid: number): ProcessState | undefined {
  for (const { state } of otherThreadStats(pid)) if (!hasExited(state)) return state;
  return undefined;
}

/**
 * Whether a process exists and has not exited: false for zombies (exited,
 * awaiting their parent's wait) and dead processes, and for anything
 * `readProcessState` returns null for. A 'Z' thread-group leader whose other
 * threads still run is running (see hasExited). Never reaps.
 *
 * @example
 * if (!isRunning(pid)) console.log('gone or a zombie');
 */
export function isRunning(pid: number): boolean {
  if (!isPidLike(pid, 'pid')) return false;
  if (!hasProcFs()) return probeKill(pid);
  const stat = readProcStat(pid);
  return stat !== null && !hasExited(stat);
}

// A thread that can run no code: stopped (T, t) or exited.
function isStill(state: ProcessState): boolean {
  return state === 'stopped' || state === 'tracing-stop' || hasExited(state);
}

/**
 * Whether the process `stat` was read from is held still: every thread
 * stopped or exited, so none runs or is inside a system call such as
 * fork(2). A leader that shows 'T' is not enough: the other threads of a
 * group stop one by one, and the group stop (which the parent is told of)
 * completes with the last.
 */
export function isHeldStill(stat: ProcStat): boolean {
  if (!isStill(stat.state)) return false;
  if (!(stat.threads > 1)) return true;
  for (const thread of otherThreadStats(stat.pid)) if (!isStill(thread.state)) return false;
  return true;
}
