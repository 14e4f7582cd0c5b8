// How one stop runs, for a group or a tree alike: the polite signal, the
// grace (ended early by the caller's abort), a freeze of a tree before its
// kill, the kill signal to every member still alive, then a check that
// nothing is left. What the stop is of (stop.ts's entry points) and who is a
// member (group-target.ts, tree-target.ts) are decided elsewhere; every
// signal to a member goes through its pin (seen-process.ts).
import type { StopResult } from '../sources/tree-stopper.js';
import { signalGroup, type SignalGuard } from './signal-safety.js';
import { KILL_VERIFY_MS, type ResolvedStopOptions } from './stop-options.js';
import { freshListing, type Member, type StopTarget } from './stop-target.js';
import { isHeldStill } from '../proc/liveness.js';
import { readProcStat } from '../proc/stat.js';

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
// Looks, 1 ms apart after the first, for the members a freeze round stopped
// to be held still before its listing (a member in D state, or the parent of
// a vfork child, stops only later: the freeze goes on without it).
const HOLD_LOOKS = 10;

// The escalation itself, shared by groups and trees. Every pin is released
// at the end, however the stop ends.
export async function runStop(target: StopTarget, o: ResolvedStopOptions, guard: SignalGuard, start: number): Promise<StopResult> {
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
//
// Each listing is taken once the members just stopped are held still: a
// SIGSTOP that reaches a member inside fork(2) lets the fork finish (only
// fatal and group-wide signals restart it), so its child can be born after
// the signal, and after a listing taken too soon (measured: 2 of 30 stops of
// `sh -c 'sleep 1 & sleep 2 & wait'` in exitmon's group left a sleep
// running, under Bun). Once the member is stopped, every child it made exists.
async function freeze(target: StopTarget, guard: SignalGuard): Promise<void> {
  const stopped = new Set<number>();
  for (let round = 0; round < FREEZE_ROUNDS; round++) {
    const fresh = target.alive().filter((m) => !stopped.has(m.process.pid));
    if (round > 0 && fresh.length === 0) break;
    signalAll(target, fresh, SIGSTOP, guard, true);
    for (const m of fresh) stopped.add(m.process.pid);
    await heldStill(fresh);
    target.update(await freshListing());
  }
}

// Waits, HOLD_LOOKS looks at most, until each member is held still or gone;
// each look reads only the members not seen held yet (a stopped member stays so).
async function heldStill(members: readonly Member[]): Promise<void> {
  let waiting = members;
  for (let look = 1; (waiting = waiting.filter((m) => !isHeld(m))).length > 0 && look < HOLD_LOOKS; look++) {
    await (look === 1 ? new Promise((resolve) => setImmediate(resolve)) : sleep(1, undefined));
  }
}

// Without /proc (no stat to compare) nothing can be told: as held.
function isHeld(member: Member): boolean {
  if (member.stat === undefined || member.process.exited()) return true;
  const now = readProcStat(member.process.pid);
  return now === null || now.startTime !== member.stat.startTime || isHeldStill(now);
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
