// Stopping a process group or tree with escalation and verification: the
// polite signal to the whole group, a grace period, then the kill signal to
// every member still alive (not only the leader: execa stops escalating once
// its direct child exits, leaving the rest of the group running; aurae #599),
// then a check that nothing is left. This file says what each entry point
// stops; stop-engine.ts runs the stop. See docs/stopping.md.
import { GroupTarget } from './group-target.js';
import { hasProcFs } from './proc-stat.js';
import { runStop } from './stop-engine.js';
import { REAPED_ROOT, TreeTarget } from './tree-target.js';
import { resolveStopOptions } from './stop-options.js';
import { assertStoppableGroup, assertStoppablePid, currentGuard, isProtectedGroup, isProtectedPid } from './signal-safety.js';
import { setTreeStopper, type StopOptions, type StopResult, type TreeRoot } from '../sources/tree-stopper.js';

export type { StopOptions, StopResult };
export { checkStopOptions, DEFAULT_GRACE_MS, DEFAULT_KILL_SIGNAL, DEFAULT_STOP_SIGNAL } from './stop-options.js';



/**
 * Stops every process of a process group: `signal` to the group, up to
 * `graceMs` for all members to exit, then `killSignal` to every member still
 * alive, then verification. Exited members that await reaping (zombies) count
 * as gone and are never reaped here. Resolves `alreadyExited: true` when the
 * group is already empty; ESRCH is never an error.
 *
 * Every signal after the first look is PID-reuse safe: members are pinned
 * (pidfd, or pid + start time) and the group is signalled only while a pinned
 * member is verified in it.
 *
 * Rejects with a RangeError, signalling nothing, for pgid ≤ 1, this process's
 * pid, this process's own group and a `killSignal` that does not terminate.
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
 * Stops `pid`, its descendants and the process groups that they lead, with
 * the same escalation and verification as `stopProcessGroup`. Descendants
 * are found through /proc parent links, including those that left the group
 * with setsid (their groups are signalled as wholes) and those re-parented
 * after the first look (remembered by start time). Never `pid`'s ancestors
 * or siblings, even when they share its process group: a group is signalled
 * as a whole only when `pid` or a descendant leads it and none of them is in
 * it; otherwise the tree's members are signalled one by one. Before the
 * signal and before the kill the tree is frozen (SIGSTOP, listed again until
 * no new member shows) and continued (SIGCONT) right after, so that a member
 * forking meanwhile leaves no child behind. Every signal after the first look
 * is PID-reuse safe (see docs/stopping.md).
 *
 * Rejects with a RangeError, signalling nothing, for pid ≤ 1, this process,
 * the leader of this process's own group and a `killSignal` that does not
 * terminate.
 *
 * @example
 * await stopProcessTree(workerPid, { signal: 'SIGINT', graceMs: 10_000 });
 */
export async function stopProcessTree(pid: number, options?: StopOptions): Promise<StopResult> {
  const start = performance.now();
  const guard = currentGuard();
  assertStoppablePid(pid, guard);
  const resolved = resolveStopOptions(options);
  return runStop(new TreeTarget(pid, guard), resolved, guard, start);
}

/**
 * Stops what a reaped child left in its process group (the group's id is
 * the child's pid): the members, their descendants, including those that
 * left with setsid, and the groups those lead, as `stopProcessTree` would
 * have stopped them with the child alive. A process that has the child's pid
 * now is a stranger and is left alone. The caller knows the group is still
 * the child's (it never emptied since the reap).
 * @internal
 */
export async function stopGroupRemains(pgid: number, options?: StopOptions): Promise<StopResult> {
  const start = performance.now();
  const guard = currentGuard();
  assertStoppableGroup(pgid, guard);
  const resolved = resolveStopOptions(options);
  // Without /proc no descendant can be found, and the reaped leader's pid
  // proves nothing: the group alone, through kill(-pgid), as before.
  const target = hasProcFs() ? new TreeTarget(pgid, guard, REAPED_ROOT) : new GroupTarget(pgid);
  return runStop(target, resolved, guard, start);
}

/**
 * Stops several trees at once (`reaper.stopAdopted()`): each root with its
 * descendants and the groups they lead, as `stopProcessTree` does, in
 * parallel (the trees' /proc listings are shared), with one combined result:
 * `forced` when any tree needed the kill signal, `alreadyExited` when none
 * had anything alive (or there were no roots), every survivor. A root whose
 * pid names another process than the listing saw (`startTime`) is left
 * alone. Roots that must never be signalled (pid ≤ 1, this process, the
 * leader of its group) are skipped, not an error: they come from a listing,
 * not from the caller.
 * @internal
 */
export async function stopProcessTrees(roots: readonly TreeRoot[], options?: StopOptions): Promise<StopResult> {
  const start = performance.now();
  const guard = currentGuard();
  const resolved = resolveStopOptions(options);
  const stoppable = roots.filter(({ pid }) => !isProtectedPid(pid, guard) && !isProtectedGroup(pid, guard));
  const results = await Promise.all(stoppable.map((root) => runStop(new TreeTarget(root.pid, guard, root.startTime), resolved, guard, start)));
  return {
    forced: results.some((r) => r.forced),
    alreadyExited: results.every((r) => r.alreadyExited),
    survivors: [...new Set(results.flatMap((r) => r.survivors))].sort((a, b) => a - b),
    durationMs: performance.now() - start,
  };
}

// The reaper (a layer below) stops its adopted orphans through this.
setTreeStopper(stopProcessTrees);
