// The stopping side of the stop scenario, in a process of its own: it is a
// child subreaper (members orphaned when their leader dies are adopted and
// reaped here rather than left to PID 1), starts process groups of
// bench/native/group.c, stops them with stopProcessGroup and prints a StopReport.
import { readdirSync, readFileSync } from 'node:fs';
import { Reaper, spawn, stopProcessGroup, type ManagedProcess } from '../../src/index.js';
import { hasExited } from '../../src/proc/liveness.js';
import { listProcesses, readProcStat, type ProcStat } from '../../src/process/proc-stat.js';
import { SeenProcess, usesPidfds } from '../../src/process/seen-process.js';
import { zombiesOf } from '../lib/zombies.js';
import { parseJob, type GroupOutcome, type SignalCost, type StopJob, type StopReport } from './protocol.js';

/** Time for stray exits to be reaped before the final count. */
const SETTLE_MS = 200;
/** The kernel floor's busy loop gives up after this long (a member that cannot die: no floor for its group). */
const FLOOR_LIMIT_MS = 10_000;
/** Rounds of signal 0 per member when measuring the signalling cost. */
const COST_ROUNDS = 20;

interface Group {
  process: ManagedProcess;
  pgid: number;
  ignoresTerm: boolean;
}

// Starts one group (every other one ignores SIGTERM) and resolves once all members exist.
function startGroup(job: StopJob, index: number): Promise<Group> {
  const ignoresTerm = index % 2 === 1;
  const p = spawn(job.groupBinary, [String(job.members), ignoresTerm ? '1' : '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    p.exited.catch(reject);
    p.stdout!.once('data', () => resolve({ process: p, pgid: p.pgid!, ignoresTerm }));
  });
}

// Stops one group and records how it went.
async function stopGroup(group: Group, job: StopJob, concurrent: boolean): Promise<GroupOutcome> {
  const r = await stopProcessGroup(group.pgid, { graceMs: job.graceMs });
  return { ignoresTerm: group.ignoresTerm, concurrent, durationMs: r.durationMs, forced: r.forced, survivors: r.survivors.length };
}

// Live (non-zombie) processes whose process group is one of `pgids`.
function aliveIn(pgids: Set<number>): number {
  let alive = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, 'latin1').split(') ').pop()!.split(' ');
      if (fields[0] !== 'Z' && pgids.has(Number(fields[2]))) alive++;
    } catch {
      // gone meanwhile
    }
  }
  return alive;
}

// Microseconds per call of `fn` over every member, `rounds` times.
function perCallUs(members: readonly ProcStat[], rounds: number, fn: (p: ProcStat, i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) members.forEach(fn);
  return Number(process.hrtime.bigint() - start) / 1000 / Math.max(1, rounds * members.length);
}

// PID-reuse-safe signalling against plain kill(2), on the live members of
// `pgids`, with signal 0 (checks delivery, disturbs nothing).
function measureSignalCost(pgids: Set<number>): SignalCost {
  const guard = { self: process.pid, ownGroup: undefined };
  const members = listProcesses().filter((p) => pgids.has(p.pgrp) && p.state !== 'zombie');
  const pins: (SeenProcess | null)[] = [];
  const pinUs = perCallUs(members, 1, (p) => void pins.push(SeenProcess.pin(p)));
  const pinnedSignalUs = perCallUs(members, COST_ROUNDS, (_p, i) => void pins[i]?.signal(0, guard));
  const plainKillUs = perCallUs(members, COST_ROUNDS, (p) => void process.kill(p.pid, 0));
  const identityCheckKillUs = perCallUs(members, COST_ROUNDS, (p) => {
    if (readProcStat(p.pid)?.startTime === p.startTime) process.kill(p.pid, 0);
  });
  for (const pin of pins) pin?.close();
  return { processes: members.length, pidfds: usesPidfds(), pinUs, pinnedSignalUs, plainKillUs, identityCheckKillUs };
}

// The kernel's share of a concurrent stop: the SIGTERM-ignoring half of a
// batch, SIGKILL to every group at once, then each member's /proc stat read
// in a busy loop until it shows exited (a zombie has). Per group: the ms from
// the kills to its last member's exit, what any stopper waits for after its
// SIGKILL. The loop is held meanwhile: exits are reaped right after.
async function kernelFloor(job: StopJob): Promise<number[]> {
  const all = await Promise.all(Array.from({ length: job.groups }, (_, i) => startGroup(job, i)));
  // As at the end of a grace: the half that obeys SIGTERM is gone, only the ignoring half is killed.
  const others = all.filter((g) => !g.ignoresTerm);
  for (const g of others) process.kill(-g.pgid, 'SIGKILL');
  await Promise.all(others.map((g) => g.process.exited.catch(() => undefined)));
  const batch = all.filter((g) => g.ignoresTerm);
  const pgids = new Set(batch.map((g) => g.pgid));
  const members = new Map<number, number[]>(batch.map((g) => [g.pgid, []]));
  for (const p of listProcesses()) if (pgids.has(p.pgrp) && !hasExited(p)) members.get(p.pgrp)!.push(p.pid);
  const start = performance.now();
  for (const pgid of pgids) process.kill(-pgid, 'SIGKILL');
  const doneAt: number[] = [];
  for (let open = [...members.values()]; open.length > 0 && performance.now() - start < FLOOR_LIMIT_MS; ) {
    open = open.map((pids) => pids.filter((pid) => { const stat = readProcStat(pid); return stat !== null && !hasExited(stat); }));
    const now = performance.now() - start;
    for (const pids of open) if (pids.length === 0) doneAt.push(now);
    open = open.filter((pids) => pids.length > 0);
  }
  await Promise.all(batch.map((g) => g.process.exited.catch(() => undefined)));
  return doneAt;
}

// Runs the job: the concurrent batch, then the sequential one, then the kernel floor.
async function main(): Promise<StopReport> {
  const job = parseJob(process.argv.slice(2));
  const reaper = Reaper.shared();
  if (!reaper.becomeSubreaper()) throw new Error('could not become a child subreaper');
  const outcomes: GroupOutcome[] = [];
  const all = new Set<number>();
  const batch = await Promise.all(Array.from({ length: job.groups }, (_, i) => startGroup(job, i)));
  batch.forEach((g) => all.add(g.pgid));
  const signalCost = measureSignalCost(new Set(all));
  outcomes.push(...(await Promise.all(batch.map((g) => stopGroup(g, job, true)))));
  for (let i = 0; i < job.sequentialGroups; i++) {
    const group = await startGroup(job, i);
    all.add(group.pgid);
    outcomes.push(await stopGroup(group, job, false));
  }
  const floorMs = await kernelFloor(job);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const report = { outcomes, signalCost, aliveAfter: aliveIn(all), zombies: zombiesOf(process.pid).length, floorMs };
  reaper.close();
  return report;
}

console.log(JSON.stringify(await main()));
