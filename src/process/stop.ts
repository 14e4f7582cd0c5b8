// Stopping a process group or tree with escalation and verification: the
// polite signal to the whole group, a grace period, then the kill signal to
// every member still alive (not only the leader: execa stops escalating once
// its direct child exits, leaving the rest of the group running; aurae #599),
// then a check that nothing is left. Who is a member is group-target.ts's and
// tree-target.ts's call;
// every signal to a member goes through its pin (seen-process.ts). See
// docs/stopping.md.
import { GroupTarget } from './group-target.js';
import { freshListing, type Member, type StopTarget } from './stop-target.js';
import { TreeTarget } from './tree-target.js';
import { KILL_VERIFY_MS, resolveStopOptions, type ResolvedStopOptions } from './stop-options.js';
import { assertStoppableGroup, assertStoppablePid, currentGuard, isProtectedGroup, isProtectedPid, signalGroup, type SignalGuard } from './signal-safety.js';
import { setTreeStopper, type StopOptions, type StopResult, type TreeRoot } from '../sources/tree-stopper.js';

export type { StopOptions, StopResult };
export { checkStopOptions, DEFAULT_GRACE_MS, DEFAULT_KILL_SIGNAL, DEFAULT_STOP_SIGNAL } from './stop-options.js';

// Polling starts fast (most processes exit within milliseconds of SIGTERM)
// and backs off, so a long grace over many groups does not burn a core.
const POLL_FIRST_MS = 5;
const POLL_MAX_MS = 25;
// After the kill signal checks come sooner and stay frequent: SIGKILL acts
// at once and a check of pinned members is one poll() each.
const VERIFY_FIRST_MS = 1;
const VERIFY_MAX_MS = 4;
const SIGCONT = 18;
const SIGSTOP = 19;
const SIGKILL = 9;
// Listings while freezing a tree before its kill: each round stops what the
// last listing found (a descendant forked just before its parent stopped).
const FREEZE_ROUNDS = 4;


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

// The escalation itself, shared by groups and trees. Every pin is released
// at the end, however the stop ends.
async function runStop(target: StopTarget, o: ResolvedStopOptions, guard: SignalGuard, start: number): Promise<StopResult> {
  try {
    return await escalate(target, o, guard, start);
  } finally {
    target.release();
  }
}

async function escalate(target: StopTarget, o: ResolvedStopOptions, guard: SignalGuard, start: number): Promise<StopResult> {
  o.abort?.throwIfAborted();
  const result = (forced: boolean, alreadyExited: boolean, survivors: number[]): StopResult => ({
    forced,
    alreadyExited,
    survivors,
    durationMs: performance.now() - start,
  });

  if (target.emptyNow()) return result(false, true, []);
  // Read before the first await: a process running at the call was not
  // "already exited", even when another stop's signal (started in the same
  // turn) ended it before this stop's first look.
  const runningAtCall = target.runningNow();
  // The first look: a listing taken after the call (shared with the stops
  // started in the same loop turn). It pins every member it shows.
  target.update(await freshListing());
  o.abort?.throwIfAborted();
  let live = target.alive();
  if (live.length === 0) return result(false, !runningAtCall, []);
  // A tree is frozen before its first signal too: a member that forks right
  // after the first look and dies of the signal would leave that child
  // behind, re-parented with no link to the tree (measured: 2 to 13 of 20
  // stops of `sh -c 'sleep 30 & wait'` right after its spawn). A group's
  // kill(-pgid) reaches what is born into it without a listing.
  if (target.freezes) {
    await freeze(target, guard);
    live = target.alive();
  }
  signalAll(target, live, o.signal, guard, false);
  // A stopped (T) process keeps SIGTERM pending until it runs again (systemd
  // sends SIGCONT after the stop signal for the same reason), and so does
  // every member of a frozen tree: continued as the freeze stopped them, its
  // groups as wholes too (one born into a group after the last listing).
  if (target.freezes) signalAll(target, live, SIGCONT, guard, true);
  else if (o.signal !== SIGCONT) {
    for (const m of live) if (m.stat?.state === 'stopped') m.process.signal(SIGCONT, guard);
  }

  if (await waitWhileAlive(target, start + o.graceMs, [POLL_FIRST_MS, POLL_MAX_MS], o.abort)) return result(false, false, []);

  // The grace is over. A tree is frozen and listed again (members forked
  // during the grace are members too); a group's kill(-pgid) reaches them
  // without a listing.
  if (target.freezes) await freeze(target, guard);
  live = target.alive();
  if (live.length === 0 && target.afterKnownGone() === 'done') return result(false, false, []);
  signalAll(target, live, o.killSignal, guard, true);
  // A kill signal other than SIGKILL acts only once the frozen members run
  // (stopped, if only through a group signal).
  if (target.freezes && o.killSignal !== SIGKILL) signalAll(target, live, SIGCONT, guard, true);

  // Verify: keep re-sending to whatever is still alive (a member may have
  // forked between the listing and the kill) until nothing is left or time
  // is up. SIGKILL takes effect at once, so the first check comes soon.
  const verifyUntil = performance.now() + KILL_VERIFY_MS;
  const resend = (still: readonly Member[]): void => signalAll(target, still, o.killSignal, guard, true);
  const gone = await waitWhileAlive(target, verifyUntil, [VERIFY_FIRST_MS, VERIFY_MAX_MS], o.abort, resend);
  if (gone) return result(true, false, []);
  // Time is up: report what a listing finds alive, not only the members known so far.
  target.update(await freshListing());
  return result(true, false, target.alive().map((m) => m.process.pid).sort((a, b) => a - b));
}

// Stops (SIGSTOP) every member of a tree before a signal that may end it,
// then lists again until no listing shows a member that is not stopped yet: a
// member that forks between the listing and the signal, and whose child calls
// setsid or whose death the signal causes, would otherwise leave that child
// behind (re-parented to init, no link to the tree left). Stopped members
// fork nothing, and the children they made before are found through their
// ppid links. The caller continues what was stopped after a signal that needs
// it running.
async function freeze(target: StopTarget, guard: SignalGuard): Promise<void> {
  const stopped = new Set<number>();
  for (let round = 0; round < FREEZE_ROUNDS; round++) {
    const fresh = target.alive().filter((m) => !stopped.has(m.process.pid));
    if (round > 0 && fresh.length === 0) break;
    signalAll(target, fresh, SIGSTOP, guard, true);
    for (const m of fresh) stopped.add(m.process.pid);
    target.update(await freshListing());
  }
}

// Sends a signal to every group the target signals as a whole and to members
// outside those groups; with `everyMember`, to each member one by one as
// well, so a member that moved to another group is not missed. Members are
// signalled through their pins (PID-reuse safe).
function signalAll(target: StopTarget, live: readonly Member[], signal: number, guard: SignalGuard, everyMember: boolean): void {
  const sentToGroup = new Set<number>();
  for (const pgid of target.signalledGroups()) if (signalGroup(pgid, signal, guard) === 'sent') sentToGroup.add(pgid);
  for (const m of live) {
    const covered = m.stat !== undefined && sentToGroup.has(m.stat.pgrp);
    if (everyMember || !covered) m.process.signal(signal, guard);
  }
}

// Waits until no member is alive (true) or the deadline passes (false),
// calling `onTick` with the members still alive after each check. Checks of
// known members are cheap (pidfd readiness); once they are all gone, the
// target says whether it is done, should wait for zombies to be reaped, or
// needs a listing (members no listing showed yet). Rejects with the abort
// reason when aborted.
async function waitWhileAlive(
  target: StopTarget,
  deadline: number,
  [firstInterval, maxInterval]: readonly [number, number],
  abort: AbortSignal | undefined,
  onTick?: (live: readonly Member[]) => void,
): Promise<boolean> {
  let interval = firstInterval;
  for (;;) {
    let live = target.alive();
    if (live.length === 0) {
      const next = target.afterKnownGone();
      if (next === 'done') return true;
      if (next === 'list') {
        target.update(await freshListing());
        live = target.alive();
        if (live.length === 0) return true; // what the listing shows are zombies
      }
    }
    const left = deadline - performance.now();
    if (left <= 0) return false;
    if (onTick !== undefined && interval !== firstInterval) onTick(live);
    await sleep(Math.min(interval, left), abort);
    interval = Math.min(interval * 2, maxInterval);
  }
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
