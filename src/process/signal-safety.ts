// The rules that keep a stop from hitting the wrong thing: never init (pid 1),
// never "every process" (pid ≤ 0 means a group or all processes to kill(2)),
// never ourselves, never our own process group. Checked on entry (RangeError,
// nothing signalled) and again on every single kill, because descendants found
// through /proc are not arguments anyone validated.
import { assertPid, rangeError } from '../core/validate.js';
import { ownProcessGroup } from './proc-stat.js';

/** What must never be signalled, captured when a stop starts. */
export interface SignalGuard {
  /** This process. */
  readonly self: number;
  /** This process's group, or undefined when it cannot be read (no /proc). */
  readonly ownGroup: number | undefined;
}

// The guard for this process now (the group is re-read: it can change).
export function currentGuard(): SignalGuard {
  return { self: process.pid, ownGroup: ownProcessGroup() };
}

// Whether a pid may be signalled on its own. Our group leader is allowed only
// when it is not us: a member of our group that a stop discovered is fine to
// signal alone, but pid ≤ 1 and ourselves never are.
export function isProtectedPid(pid: number, guard: SignalGuard): boolean {
  return !(pid > 1) || pid === guard.self;
}

// Whether a group may be signalled as a whole (kill(-pgid, …)).
export function isProtectedGroup(pgid: number, guard: SignalGuard): boolean {
  return !(pgid > 1) || pgid === guard.self || pgid === guard.ownGroup;
}

// Validates the pid given to stopProcessTree: a pid in 2..2^31-1 that is not
// us and does not name our own group (whose leader is our ancestor or us).
export function assertStoppablePid(pid: unknown, guard: SignalGuard, name = 'pid'): asserts pid is number {
  assertPid(pid, name);
  if (pid === 1) throw rangeError(name, 'a pid greater than 1 (pid 1 is init)', pid);
  if (pid === guard.self) throw rangeError(name, `another process than this one (${guard.self})`, pid);
  if (pid === guard.ownGroup) {
    throw rangeError(name, `a process outside this process's own group (${guard.ownGroup})`, pid);
  }
}

// Validates the pgid given to stopProcessGroup: > 1 and not our own group.
export function assertStoppableGroup(pgid: unknown, guard: SignalGuard, name = 'pgid'): asserts pgid is number {
  assertPid(pgid, name);
  if (pgid === 1) throw rangeError(name, 'a process group id greater than 1', pgid);
  if (pgid === guard.ownGroup) throw rangeError(name, `a process group other than this process's own (${pgid})`, pgid);
  if (pgid === guard.self) {
    // Not our group, but our pid: name both, so the message explains itself.
    const own = guard.ownGroup === undefined ? '' : ` (its group is ${guard.ownGroup})`;
    throw rangeError(name, `a process group id other than this process's pid ${guard.self}${own}`, pgid);
  }
}

/** What one kill(2) achieved. */
export type SignalOutcome = 'sent' | 'gone' | 'refused' | 'denied';
//  sent:    delivered
//  gone:    ESRCH, the process or group no longer exists (not an error while stopping)
//  refused: the guard forbade it; nothing was sent
//  denied:  EPERM; the target stays and ends up in `survivors`

// Sends a signal number to one process, unless the guard forbids it.
export function signalProcess(pid: number, signal: number, guard: SignalGuard): SignalOutcome {
  if (isProtectedPid(pid, guard)) return 'refused';
  return kill(pid, signal);
}

// Sends a signal number to a whole process group, unless the guard forbids it.
export function signalGroup(pgid: number, signal: number, guard: SignalGuard): SignalOutcome {
  if (isProtectedGroup(pgid, guard)) return 'refused';
  return kill(-pgid, signal);
}

// process.kill with errno turned into an outcome. Anything but ESRCH/EPERM
// (EINVAL for a bad signal) is a bug in the caller and is thrown.
function kill(target: number, signal: number): SignalOutcome {
  try {
    process.kill(target, signal);
    return 'sent';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return 'gone';
    if (code === 'EPERM') return 'denied';
    throw error;
  }
}
