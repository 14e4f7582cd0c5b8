// A process started by the native engine: exitmon's from birth. The reaper
// watches it in the same synchronous turn as the spawn (race-free: the zombie
// holds the pid and nobody else reaps it) and reaps it (outcome 'reaped'); the
// pidfd from birth serves kill() and is closed once the exit is collected.
import { closeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { NativeUnavailableError } from '../core/errors.js';
import type { ExitEvent } from '../core/exit-event.js';
import type { ExitMonitor } from '../core/monitor.js';
import { fromWaitResult } from '../sources/exit-status.js';
import { ERRNO } from '../sources/native-errors.js';
import { claimSpawned } from '../sources/ownership.js';
import { reaperFor } from '../sources/reaper.js';
import { probeCgroupBase } from './cgroup-base.js';
import { ProcessCgroup } from './cgroup.js';
import { waitForExit, withExec } from './exit-wait.js';
import { holdLoop } from './keep-alive.js';
import { killSignalNumber } from './kill-signal.js';
import { notStarted, type ProcessParts } from './managed-process.js';
import { startNative, unstartedStdio } from './native-engine.js';
import { refuseNativeSpawn, type SpawnBinding } from './spawn-engine.js';
import type { ResolvedSpawnOptions } from './spawn-options.js';

// A clone that fails with these is refused for good (emulator, seccomp, old
// kernel), unlike EAGAIN or ENOMEM, which are this spawn's failure.
const CLONE_STEPS: ReadonlySet<string> = new Set(['clone', 'clone3']);
const REFUSALS: ReadonlySet<string> = new Set(['EINVAL', 'ENOSYS', 'EPERM']);

// The cgroup bases whose CLONE_INTO_CGROUP clone3 refused for good, with the
// refusal: later spawns skip the cgroup there at once ('auto') or throw
// (`true`), instead of making a cgroup and a clone3 that fail every time.
const placementRefused = new Map<string, Error>();

function isRefusal(started: object): started is Error & { code: string; step?: string } {
  return 'code' in started && REFUSALS.has(String(started.code));
}

// Creates the process's cgroup, or returns undefined ('auto' without a
// writable cgroup2, or no cgroup asked); `true` without one throws.
function createCgroup(o: ResolvedSpawnOptions): ProcessCgroup | undefined {
  if (o.cgroup === false) return undefined;
  const probe = probeCgroupBase(o.cgroupBase);
  let failure: unknown = probe.reason;
  const refused = probe.base === null ? undefined : placementRefused.get(probe.base);
  if (refused !== undefined) {
    if (o.cgroup === 'auto') return undefined;
    throw new NativeUnavailableError('cgroup containment (clone3 CLONE_INTO_CGROUP, Linux 5.7)', { cause: refused });
  }
  if (probe.base !== null) {
    try {
      return new ProcessCgroup(probe.base);
    } catch (error) {
      failure = error;
    }
  }
  if (o.cgroup === 'auto') return undefined;
  throw new NativeUnavailableError('cgroup containment (a writable cgroup v2 hierarchy)', { cause: failure });
}

// Runs `start`; when it throws (bad arguments: nothing was started), the
// cgroup made for the process goes too, so a refused spawn leaves nothing.
function startOrDropCgroup<T>(start: () => T, cgroup: ProcessCgroup | undefined): T {
  try {
    return start();
  } catch (error) {
    cgroup?.releaseFd();
    cgroup?.removeWhenEmpty();
    throw error;
  }
}

/** What startNativeProcess returns when the clone itself was refused (no process was created). */
export const CLONE_REFUSED = Symbol('clone refused');

/**
 * Starts the process natively; exec failures reject `exited` (the parts have
 * pid NaN). Returns CLONE_REFUSED when the kernel or an emulator refused the
 * clone itself (qemu-user answers EINVAL to CLONE_VM without CLONE_THREAD):
 * nothing was started and the caller may use node:child_process instead.
 */
export function startNativeProcess(binding: SpawnBinding, command: string, args: readonly string[], o: ResolvedSpawnOptions, monitor: ExitMonitor): ProcessParts | typeof CLONE_REFUSED {
  const reaper = reaperFor(monitor)!; // spawn-engine.ts chose native only with one
  let cgroup = createCgroup(o);
  const job = {
    processGroup: o.processGroup,
    session: o.session,
    foreground: o.foreground,
    closeOtherFds: o.closeOtherFds,
    ignoredSignals: o.ignoredSignals,
    openFileLimit: o.openFileLimit,
    cgroupFd: cgroup?.fd ?? -1,
    cleanupSignal: o.cleanup ? killSignalNumber(o.killSignal) : 0,
  };
  let started = startOrDropCgroup(() => startNative(binding, command, args, o.node, job), cgroup);
  if (cgroup !== undefined && 'code' in started && (started as { step?: string }).step === 'clone3') {
    // clone3 refused CLONE_INTO_CGROUP (Linux < 5.7, or seccomp).
    cgroup.releaseFd();
    cgroup.removeWhenEmpty();
    if (isRefusal(started)) placementRefused.set(cgroup.base, started);
    if (o.cgroup !== 'auto') throw new NativeUnavailableError('cgroup containment (clone3 CLONE_INTO_CGROUP, Linux 5.7)', { cause: started });
    cgroup = undefined;
    started = startNative(binding, command, args, o.node, { ...job, cgroupFd: -1 });
  }
  cgroup?.releaseFd();
  if (isRefusal(started) && CLONE_STEPS.has(started.step ?? '')) {
    cgroup?.removeWhenEmpty();
    refuseNativeSpawn(`${started.step} refused the native spawn (${started.code})`);
    return CLONE_REFUSED;
  }
  if ('code' in started) {
    cgroup?.removeWhenEmpty();
    return notStarted(Promise.reject(started), undefined, unstartedStdio(o.node.stdio));
  }
  const { pid, pidfd } = started;
  const resources = cgroup === undefined ? undefined : () => cgroup.resources();
  // The reaper was closed while the child runs (alone, or with its monitor):
  // it dropped the watch, so the exit is collected here (checked once a
  // second) and published while the monitor is open. Either way the child
  // is reaped: our own child must never stay a zombie.
  const hold = holdLoop(() => {
    if (collected || !reaper.closed || binding.pidfdReady(pidfd) !== 1) return;
    // Our own child (exitmon spawned it), so no runtime owns it: reap
    // through its pidfd (if another reaper took it, the pid may name a new child).
    const waited = binding.reapUnowned(pid, pidfd);
    // ECHILD: someone else reaped it (another reaper took it): nothing is left to wait for.
    if (waited === -ERRNO.ECHILD) return finish();
    if (typeof waited === 'number' || waited.pid === 0) return;
    if (monitor.closed) finish();
    else monitor.publish({ pid, ...withExec({}, o.execId, o.containerId), ...fromWaitResult(waited), outcome: 'reaped', resources: resources?.() });
  });
  let collected = false;
  let unclaim = (): void => undefined;
  let exited: Promise<ExitEvent>;
  try {
    reaper.watch(pid, { ...withExec({ reap: true, spawned: true }, o.execId, o.containerId), ...(resources ? { resources } : {}) });
    // After the watch (which may reap it): from now on no other reaper may
    // take it or count it as an adopted orphan, even once ours is closed.
    unclaim = claimSpawned(pid);
    exited = waitForExit(monitor, pid, o.execId, o.containerId);
  } catch (error) {
    // Unreachable with validated arguments; never leave an unwatched child behind.
    binding.pidfdSendSignal(pidfd, 9);
    hold.release();
    unclaim();
    throw error;
  }
  // The bookkeeping after the exit runs after the caller's own reactions to
  // `exited` (setImmediate): it must not add to the exit's latency.
  const finish = (): void => {
    if (collected) return;
    collected = true;
    unclaim(); // reaped: the pid is free for anyone
    setImmediate(() => {
      // The addon owns the pidfd it returned; a runtime's closeSync may refuse
      // an fd it did not open (Deno). EBADF only if the addon could not record it.
      if (binding.close(pidfd) < 0) closeSync(pidfd);
      hold.release();
      const [stdin, ...outputs] = started.stdio;
      if (stdin) stdin.destroy();
      // Output that nobody ever read is discarded, as node:child_process does
      // at 'exit' (flushStdio): read to EOF, so its fd closes; unread, each
      // exited process held its pipes open for good. A stream that anyone
      // reads, pipes, pauses or awaits (readableFlowing not null) is theirs.
      for (const output of outputs) if (output !== null && (output as Readable).readableFlowing === null) (output as Readable).resume();
      cgroup?.removeWhenEmpty();
    });
  };
  // `exited` rejects only when the monitor closed first: then the reaper
  // closed too, and the check above collects the exit when it comes.
  void exited.then(finish, () => undefined);
  return {
    pid,
    pgid: o.processGroup ? pid : undefined,
    child: undefined,
    stdio: started.stdio,
    exited,
    cgroup,
    collected: () => collected,
    setRefed: (refed) => hold.setRefed(refed),
    signal(signo) {
      // An exited (zombie) process accepts signals and ignores them: report it gone.
      if (collected || binding.pidfdReady(pidfd) === 1) return false;
      return binding.pidfdSendSignal(pidfd, signo) === 0;
    },
  };
}
