// Stopping a process group or tree with escalation and verification: the
// polite signal to the whole group, a grace period, then the kill signal to
// every member still alive (not only the leader: execa stops escalating once
// its direct child exits, leaving the rest of the group running; aurae #599),
// then a check that nothing is left. See docs/stopping.md.
import { assertDuration, assertOptions, typeError } from '../core/validate.js';
import { signalNumber } from '../core/signals.js';
import { GroupTarget, TreeTarget, type Member, type StopTarget } from './proc-tree.js';
import {
  assertStoppableGroup,
  assertStoppablePid,
  currentGuard,
  signalGroup,
  signalProcess,
  type SignalGuard,
} from './signal-safety.js';

/** The signal a stop starts with. */
export const DEFAULT_STOP_SIGNAL: NodeJS.Signals = 'SIGTERM';
/** How long a stop waits after the first signal before escalating, in ms. */
export const DEFAULT_GRACE_MS = 5000;
/** The signal a stop escalates to. */
export const DEFAULT_KILL_SIGNAL: NodeJS.Signals = 'SIGKILL';
/** How long a stop keeps checking after the kill signal before it reports survivors, in ms. */
export const KILL_VERIFY_MS = 2000;

// Polling starts fast (most processes exit within milliseconds of SIGTERM)
// and backs off, so a long grace over many groups does not burn a core.
const POLL_FIRST_MS = 5;
const POLL_MAX_MS = 25;
const SIGCONT = 18;

/** How to stop a process group or tree. */
export interface StopOptions {
  /**
   * The first signal, sent to the whole group.
   * @default 'SIGTERM'
   */
  signal?: NodeJS.Signals;
  /**
   * How long to wait for every member to exit before escalating, in ms. `0`
   * escalates at once.
   * @default 5000
   */
  graceMs?: number;
  /**
   * The escalation signal, sent to every member still alive after the grace,
   * one by one and to each group.
   * @default 'SIGKILL'
   */
  killSignal?: NodeJS.Signals;
  /**
   * Cancels the wait: the promise rejects with the signal's reason. Signals
   * already sent stay sent; an already aborted signal sends nothing.
   * @example
   * await stopProcessGroup(pgid, { signalAbort: AbortSignal.timeout(1000) });
   */
  signalAbort?: AbortSignal;
}

/** How a stop went. */
export interface StopResult {
  /** The kill signal had to be sent (something outlived the grace). */
  forced: boolean;
  /** Nothing was alive when the stop began; nothing was signalled. */
  alreadyExited: boolean;
  /** Pids still alive after the kill signal and its verification window (normally empty). */
  survivors: number[];
  /** From the call to the result, in ms. */
  durationMs: number;
}

interface ResolvedStopOptions {
  signal: number;
  graceMs: number;
  killSignal: number;
  abort: AbortSignal | undefined;
}

/**
 * Stops every process of a process group: `signal` to the group, up to
 * `graceMs` for all members to exit, then `killSignal` to every member still
 * alive, then verification. Exited members that await reaping (zombies) count
 * as gone and are never reaped here. Resolves `alreadyExited: true` when the
 * group is already empty; ESRCH is never an error.
 *
 * Rejects with a RangeError, signalling nothing, for pgid ≤ 1, this process's
 * pid and this process's own group.
 *
 * @example
 * const { forced, survivors } = await stopProcessGroup(child.pid, { graceMs: 2000 });
 */
export async function stopProcessGroup(pgid: number, options?: StopOptions): Promise<StopResult> {
  const start = performance.now();
  const guard = currentGuard();
  assertStoppableGroup(pgid, guard);
  const resolved = resolveStopOptions(options);
  return runStop(new GroupTarget(pgid), resolved, guard, start);
}

/**
 * Stops a process, its process group and every descendant found through
 * /proc parent links, including descendants that left the group with setsid
 * (their new groups are signalled as wholes too), with the same escalation
 * and verification as `stopProcessGroup`.
 *
 * Rejects with a RangeError, signalling nothing, for pid ≤ 1, this process
 * and the leader of this process's own group. When the pid shares our group
 * (a child spawned with `processGroup: false`), it and its descendants are
 * signalled one by one and the group is left alone.
 *
 * @example
 * await stopProcessTree(supervisorPid, { signal: 'SIGINT', graceMs: 10_000 });
 */
export async function stopProcessTree(pid: number, options?: StopOptions): Promise<StopResult> {
  const start = performance.now();
  const guard = currentGuard();
  assertStoppablePid(pid, guard);
  const resolved = resolveStopOptions(options);
  return runStop(new TreeTarget(pid, guard), resolved, guard, start);
}

// Validates StopOptions without stopping anything (for callers that may
// resolve early, like ManagedProcess.stop on a process that never started).
export function checkStopOptions(options: StopOptions | undefined): void {
  resolveStopOptions(options);
}

// Validates StopOptions with the shared argument-error wording.
function resolveStopOptions(options: StopOptions | undefined): ResolvedStopOptions {
  assertOptions(options);
  const o = options ?? {};
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  assertDuration(graceMs, 'options.graceMs');
  const abort = o.signalAbort;
  if (abort !== undefined && !(abort instanceof AbortSignal)) {
    throw typeError('options.signalAbort', 'an AbortSignal', abort);
  }
  return {
    signal: signalNumber(o.signal ?? DEFAULT_STOP_SIGNAL, 'options.signal'),
    graceMs,
    killSignal: signalNumber(o.killSignal ?? DEFAULT_KILL_SIGNAL, 'options.killSignal'),
    abort,
  };
}

// The escalation itself, shared by groups and trees.
async function runStop(target: StopTarget, o: ResolvedStopOptions, guard: SignalGuard, start: number): Promise<StopResult> {
  o.abort?.throwIfAborted();
  const result = (forced: boolean, alreadyExited: boolean, survivors: number[]): StopResult => ({
    forced,
    alreadyExited,
    survivors,
    durationMs: performance.now() - start,
  });

  let live = target.scan('first');
  if (live.size === 0) return result(false, true, []);
  signalAll(target, live, o.signal, guard, false);
  // A stopped (T) process keeps SIGTERM pending until it runs again; systemd
  // sends SIGCONT after the stop signal for the same reason.
  if (o.signal !== SIGCONT) {
    for (const m of live.values()) if (m.stat?.state === 'stopped') signalProcess(m.pid, SIGCONT, guard);
  }

  live = await pollWhileAlive(target, start + o.graceMs, o.abort);
  if (live.size === 0) return result(false, false, []);

  // The grace is over. Rescan in full: members forked during the grace, and
  // members whose leader already died, are still members.
  live = target.scan('full');
  if (live.size === 0) return result(false, false, []);
  signalAll(target, live, o.killSignal, guard, true);

  // Verify: keep re-sending to whatever is still listed (a member may have
  // forked between the scan and the kill) until nothing is left or time is up.
  const verifyUntil = performance.now() + KILL_VERIFY_MS;
  live = await pollWhileAlive(target, verifyUntil, o.abort, (still) => signalAll(target, still, o.killSignal, guard, true));
  return result(true, false, [...live.keys()].sort((a, b) => a - b));
}

// Sends a signal to every group of the target and to members outside them;
// with `everyMember`, to each member one by one as well, so a member that
// moved to another group (or a group the kernel no longer lists) is not missed.
function signalAll(target: StopTarget, live: Map<number, Member>, signal: number, guard: SignalGuard, everyMember: boolean): void {
  const sentToGroup = new Set<number>();
  for (const pgid of target.groups) if (signalGroup(pgid, signal, guard) === 'sent') sentToGroup.add(pgid);
  for (const m of live.values()) {
    const covered = m.stat !== undefined && sentToGroup.has(m.stat.pgrp);
    if (everyMember || !covered) signalProcess(m.pid, signal, guard);
  }
}

// Polls the target until no member is alive or the deadline passes, calling
// `onTick` with the members still alive after each poll. Resolves with the
// members alive at the end; rejects with the abort reason when aborted.
async function pollWhileAlive(
  target: StopTarget,
  deadline: number,
  abort: AbortSignal | undefined,
  onTick?: (live: Map<number, Member>) => void,
): Promise<Map<number, Member>> {
  let interval = POLL_FIRST_MS;
  let live = target.scan('poll');
  while (live.size > 0) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    await sleep(Math.min(interval, left), abort);
    interval = Math.min(interval * 2, POLL_MAX_MS);
    live = target.scan('poll');
    if (live.size > 0) onTick?.(live);
  }
  return live;
}

// setTimeout as a promise that rejects with the abort reason. The timer is
// not unref'd: a stop in progress is work the caller is waiting for.
function sleep(ms: number, abort: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (abort?.aborted) {
      reject(abort.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abort?.reason);
    };
    const timer = setTimeout(() => {
      abort?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    abort?.addEventListener('abort', onAbort, { once: true });
  });
}
