// The contenders of the exit-latency scenario. Each runs `count` probes one
// after another, probe k writing its exit stamp into slot first + k, and
// returns the CLOCK_MONOTONIC time (ns) at which it learned of each exit.
import { execFile, spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { spawn, type Reaper } from '../../src/index.js';

const execFileAsync = promisify(execFile);

/** What every contender needs. */
export interface LatencyContext {
  probe: string;
  launch: string;
  pidfdLoop: string;
  slotFile: string;
  /** A reaper of its own, subreaper adopting orphans (the reaped path watches its orphan; the adopted path does not). */
  reaper: Reaper;
  /** When the reaper's publish() of each pid's exit was entered and left (ns), to split collection, publish and delivery. */
  published: Map<number, PublishTimes>;
  /** Head-to-head: when node's own 'exit' event fired for the probe in each slot (ns). */
  sameExitNode: Map<number, bigint>;
  /** Minor page faults this process took from just before each probe's spawn to its event, by slot. */
  faults: Map<number, number>;
  /** Released probes: minor page faults from just before the go signal to the event, by slot. */
  releaseFaults: Map<number, number>;
}

/** When one exit entered and left the monitor's publish(), ns. */
export interface PublishTimes {
  entered: bigint;
  returned: bigint;
}

/** One contender: wake-up times (ns), one per probe, in slot order. */
export interface LatencySubject {
  subject: string;
  run(ctx: LatencyContext, first: number, count: number): Promise<bigint[]>;
}

// Minor page faults of this process so far (getrusage(2)): after a fork, the
// first write to each page of this process is one.
function minorFaults(): number {
  return process.resourceUsage().minorPageFault;
}

// Runs one probe per slot, awaiting each before the next, and notes the page
// faults of each (read outside the timed window: before the spawn, after the event).
async function sequential(ctx: LatencyContext, first: number, count: number, one: (slot: number) => Promise<bigint>): Promise<bigint[]> {
  const woke: bigint[] = [];
  for (let k = 0; k < count; k++) {
    const before = minorFaults();
    woke.push(await one(first + k));
    ctx.faults.set(first + k, minorFaults() - before);
  }
  return woke;
}

// node:child_process alone: the time of the ChildProcess 'exit' event.
function nodeExit(ctx: LatencyContext, slot: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(ctx.probe, [ctx.slotFile, String(slot)], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(process.hrtime.bigint()));
  });
}

// exitmon observing a node:child_process child: Reaper.watch(pid), the time
// the { pid } listener receives the event (pidfd readiness, peek with WNOWAIT,
// publish, delivery in the dispatcher's microtask slice).
function exitmonObserved(ctx: LatencyContext, slot: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(ctx.probe, [ctx.slotFile, String(slot)], { stdio: 'ignore' });
    child.once('error', reject);
    const pid = child.pid as number;
    const subscription = ctx.reaper.monitor.subscribe({ pid }, () => {
      const woke = process.hrtime.bigint();
      subscription.unsubscribe();
      resolve(woke);
    });
    ctx.reaper.watch(pid);
  });
}

// Head to head on the same exit: a node:child_process probe, watched by
// exitmon, with node's own 'exit' listener too. Returns exitmon's wake-up and
// notes node's in ctx.sameExitNode: the two latencies of one exit, in the same
// loop state, whichever path the loop serves first.
function sameExit(ctx: LatencyContext, slot: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(ctx.probe, [ctx.slotFile, String(slot)], { stdio: 'ignore' });
    child.once('error', reject);
    const pid = child.pid as number;
    let exitmonWoke: bigint | undefined;
    let nodeWoke: bigint | undefined;
    const settle = (): void => {
      if (exitmonWoke === undefined || nodeWoke === undefined) return;
      ctx.sameExitNode.set(slot, nodeWoke);
      resolve(exitmonWoke);
    };
    child.once('exit', () => {
      nodeWoke = process.hrtime.bigint();
      settle();
    });
    const subscription = ctx.reaper.monitor.subscribe({ pid }, () => {
      exitmonWoke = process.hrtime.bigint();
      subscription.unsubscribe();
      settle();
    });
    ctx.reaper.watch(pid);
  });
}

/** How long a released probe waits for its go signal: the parent is idle by then. */
const RELEASE_MS = 2;

// A node:child_process probe that waits for SIGUSR1, sent RELEASE_MS after
// `listen` set up the waiting side: the exit path alone, with the parent
// idle, instead of racing the work that follows the spawn. Notes the page
// faults from the signal to the event.
function released(ctx: LatencyContext, slot: number, listen: (child: ChildProcess, woke: () => void) => void): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(ctx.probe, [ctx.slotFile, String(slot), 'wait'], { stdio: 'ignore' });
    child.once('error', reject);
    let before = 0;
    listen(child, () => {
      const woke = process.hrtime.bigint();
      ctx.releaseFaults.set(slot, minorFaults() - before);
      resolve(woke);
    });
    // The go signal once the probe blocks it: earlier, it would kill the probe.
    const release = (): void => {
      if (!blocksUsr1(child.pid as number)) return void setTimeout(release, 1);
      before = minorFaults();
      child.kill('SIGUSR1');
    };
    setTimeout(release, RELEASE_MS);
  });
}

// Whether the probe is ready for its go signal: SIGUSR1 blocked (bit 9 of
// SigBlk in /proc/pid/status), or the probe waiting in sigwait(2), which
// unblocks it while it waits (the kernel shows the wait in wchan). True once
// it is gone: nothing is left to wait for.
function blocksUsr1(pid: number): boolean {
  try {
    const mask = /^SigBlk:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    if (mask !== undefined && ((BigInt(`0x${mask}`) >> 9n) & 1n) === 1n) return true;
    return readFileSync(`/proc/${pid}/wchan`, 'latin1').includes('sigtimedwait');
  } catch {
    return true;
  }
}

// exitmon observing a released probe (as exitmonObserved).
function observedReleased(ctx: LatencyContext, slot: number): Promise<bigint> {
  return released(ctx, slot, (child, woke) => {
    const pid = child.pid as number;
    const subscription = ctx.reaper.monitor.subscribe({ pid }, () => {
      woke();
      subscription.unsubscribe();
    });
    ctx.reaper.watch(pid);
  });
}

// node's 'exit' of a released probe.
function nodeReleased(ctx: LatencyContext, slot: number): Promise<bigint> {
  return released(ctx, slot, (child, woke) => void child.once('exit', woke));
}

// An orphan of this subreaper: `launch` starts the probe and exits, the probe
// is re-parented here and waits for its go signal (SIGUSR1). With `watch`,
// the reaper watches it first (pidfd readiness, waitid reap, publish,
// delivery); without, the orphan sweep finds it (SIGCHLD, WNOWAIT peek, the
// reap by pid, publish, delivery). Resolves with the listener's wake-up.
function exitmonOrphan(ctx: LatencyContext, slot: number, watch: boolean): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const launcher = spawnChild(ctx.launch, [ctx.probe, ctx.slotFile, String(slot)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    launcher.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    launcher.once('error', reject);
    launcher.once('close', () => {
      const pid = Number(out.trim());
      if (!Number.isInteger(pid) || pid <= 0) return reject(new Error(`launch printed no pid: ${out}`));
      const subscription = ctx.reaper.monitor.subscribe({ pid }, (event) => {
        const woke = process.hrtime.bigint();
        subscription.unsubscribe();
        if (event.outcome !== 'reaped') reject(new Error(`expected a reaped exit, got ${event.outcome}`));
        else resolve(woke);
      });
      if (watch) ctx.reaper.watch(pid, { reap: true });
      process.kill(pid, 'SIGUSR1');
    });
  });
}

// exitmon's native spawn: spawn() into the reaper's monitor (clone3 with a
// pidfd from birth, reaped by the reaper), time when `exited` settles.
function exitmonSpawned(ctx: LatencyContext, slot: number): Promise<bigint> {
  const p = spawn(ctx.probe, [ctx.slotFile, String(slot)], { monitor: ctx.reaper.monitor, stdio: 'ignore' });
  if (p.child !== undefined) return Promise.reject(new Error('expected the native engine'));
  return p.exited.then((event) => {
    const woke = process.hrtime.bigint();
    if (event.outcome !== 'reaped') throw new Error(`expected a reaped exit, got ${event.outcome}`);
    return woke;
  });
}

// The C limit: bench/native/pidfd-loop.c spawns, polls the pidfd and reaps.
async function cLoop(ctx: LatencyContext, first: number, count: number): Promise<bigint[]> {
  const { stdout } = await execFileAsync(ctx.pidfdLoop, [ctx.probe, ctx.slotFile, String(first), String(count)]);
  return stdout.trim().split('\n').map((line) => BigInt(line));
}

export const NODE_SUBJECT = "node:child_process 'exit'";
export const OBSERVED_SUBJECT = 'exitmon watch, observed';
export const REAPED_SUBJECT = 'exitmon watch, reaped';
export const ADOPTED_SUBJECT = 'exitmon orphan, adopted';
export const C_SUBJECT = 'C pidfd + poll loop';
export const SPAWNED_SUBJECT = 'exitmon native spawn, exited';
export const SAME_EXIT_SUBJECT = "exitmon watch, observed, same exit as node 'exit'";
export const SAME_EXIT_NODE = "node:child_process 'exit', same exit";
export const OBSERVED_RELEASED = 'exitmon watch, observed, probe released';
export const NODE_RELEASED = "node:child_process 'exit', probe released";

/** Every contender, in the order of the table. */
export const LATENCY_SUBJECTS: readonly LatencySubject[] = [
  { subject: OBSERVED_SUBJECT, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => exitmonObserved(ctx, slot)) },
  { subject: REAPED_SUBJECT, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => exitmonOrphan(ctx, slot, true)) },
  { subject: ADOPTED_SUBJECT, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => exitmonOrphan(ctx, slot, false)) },
  { subject: SPAWNED_SUBJECT, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => exitmonSpawned(ctx, slot)) },
  { subject: NODE_SUBJECT, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => nodeExit(ctx, slot)) },
  { subject: SAME_EXIT_SUBJECT, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => sameExit(ctx, slot)) },
  { subject: OBSERVED_RELEASED, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => observedReleased(ctx, slot)) },
  { subject: NODE_RELEASED, run: (ctx, first, count) => sequential(ctx, first, count, (slot) => nodeReleased(ctx, slot)) },
  { subject: C_SUBJECT, run: cLoop },
];
