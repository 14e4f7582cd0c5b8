// stop() of a process that runs in its own cgroup: the polite signal to its
// group and to every other process of the cgroup (each exactly once: a
// second SIGINT is "force quit" to many programs), the grace, then `cgroup.kill`,
// which no double fork, setsid or reparenting escapes, and `populated 0` from
// cgroup.events as the proof that nothing is left.
import type { StopOptions, StopResult } from '../sources/tree-stopper.js';
import type { ProcessCgroup } from './cgroup.js';
import { readProcStat } from './proc-stat.js';
import { currentGuard, signalGroup, signalProcess } from './signal-safety.js';
import { KILL_VERIFY_MS, resolveStopOptions } from './stop-options.js';

const SIGKILL = 9;
const SIGCONT = 18;

/**
 * Stops everything in `cgroup`. The pids of cgroup.procs are signalled by pid:
 * a pid read from our own cgroup names a process that was in it a moment ago;
 * the last step, cgroup.kill, names no pid at all.
 */
export async function stopCgroup(cgroup: ProcessCgroup, pgid: number | undefined, options: StopOptions | undefined): Promise<StopResult> {
  const start = performance.now();
  const { signal, killSignal, graceMs, abort } = resolveStopOptions(options);
  const result = (forced: boolean, alreadyExited: boolean, survivors: number[]): StopResult => ({
    forced,
    alreadyExited,
    survivors,
    durationMs: performance.now() - start,
  });
  abort?.throwIfAborted();
  if (!cgroup.populated()) return result(false, true, []);
  const guard = currentGuard();
  const sendToAll = (signo: number): void => {
    if (pgid !== undefined) signalGroup(pgid, signo, guard);
    for (const pid of cgroup.pids()) {
      // The members of the group got it from the group signal.
      if (pgid !== undefined && readProcStat(pid)?.pgrp === pgid) continue;
      signalProcess(pid, signo, guard);
    }
  };
  sendToAll(signal);
  // A stopped process keeps the signal pending until it runs again (systemd does the same).
  if (signal !== SIGCONT) sendToAll(SIGCONT);
  if (await cgroup.waitEmpty(start + graceMs, abort)) return result(false, false, []);
  if (killSignal !== SIGKILL) sendToAll(killSignal);
  if (!cgroup.kill()) sendToAll(SIGKILL); // no cgroup.kill before Linux 5.14
  const emptied = await cgroup.waitEmpty(performance.now() + KILL_VERIFY_MS, abort);
  return result(true, false, emptied ? [] : cgroup.pids());
}
