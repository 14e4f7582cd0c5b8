// stop() of a process that runs in its own cgroup: the polite signal to its
// group and to every process of the cgroup, the grace, then `cgroup.kill`,
// which no double fork, setsid or reparenting escapes, and `populated 0` from
// cgroup.events as the proof that nothing is left.
import { signalNumber } from '../core/signals.js';
import { killSignalNumber } from './kill-signal.js';
import type { ProcessCgroup } from './cgroup.js';
import { currentGuard, signalGroup, signalProcess } from './signal-safety.js';
import { DEFAULT_GRACE_MS, DEFAULT_KILL_SIGNAL, DEFAULT_STOP_SIGNAL, KILL_VERIFY_MS, type StopOptions, type StopResult } from './stop.js';

const SIGKILL = 9;
const SIGCONT = 18;

// Rejects with the abort reason as soon as `abort` fires, else settles with `work`.
function abortable<T>(work: Promise<T>, abort: AbortSignal | undefined): Promise<T> {
  if (abort === undefined) return work;
  abort.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abort.reason);
    abort.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => abort.removeEventListener('abort', onAbort));
  });
}

/**
 * Stops everything in `cgroup`. The pids of cgroup.procs are signalled by pid:
 * a pid read from our own cgroup names a process that was in it a moment ago;
 * the last step, cgroup.kill, names no pid at all.
 */
export async function stopCgroup(cgroup: ProcessCgroup, pgid: number | undefined, options: StopOptions | undefined): Promise<StopResult> {
  const start = performance.now();
  const o = options ?? {};
  const signal = signalNumber(o.signal ?? DEFAULT_STOP_SIGNAL, 'options.signal');
  const killSignal = killSignalNumber(o.killSignal ?? DEFAULT_KILL_SIGNAL, 'options.killSignal');
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const result = (forced: boolean, alreadyExited: boolean, survivors: number[]): StopResult => ({
    forced,
    alreadyExited,
    survivors,
    durationMs: performance.now() - start,
  });
  o.signalAbort?.throwIfAborted();
  if (!cgroup.populated()) return result(false, true, []);
  const guard = currentGuard();
  const sendToAll = (signo: number): void => {
    if (pgid !== undefined) signalGroup(pgid, signo, guard);
    for (const pid of cgroup.pids()) signalProcess(pid, signo, guard);
  };
  sendToAll(signal);
  // A stopped process keeps the signal pending until it runs again (systemd does the same).
  if (signal !== SIGCONT) sendToAll(SIGCONT);
  if (await abortable(cgroup.waitEmpty(start + graceMs), o.signalAbort)) return result(false, false, []);
  if (killSignal !== SIGKILL) sendToAll(killSignal);
  if (!cgroup.kill()) sendToAll(SIGKILL); // no cgroup.kill before Linux 5.14
  const emptied = await abortable(cgroup.waitEmpty(performance.now() + KILL_VERIFY_MS), o.signalAbort);
  return result(true, false, emptied ? [] : cgroup.pids());
}
