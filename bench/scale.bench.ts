// Scale of the event source (issue 10): many watched live processes. What one
// watch costs (JS heap + native + file descriptors), whether the exit latency
// of one process grows when thousands of others are watched, and how many JS
// calls a burst of exits takes (the addon delivers one batch per wakeup).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { ExitMonitor, Reaper } from '../src/index.js';
import { exitBatches } from '../src/sources/reaper-counters.js';
import { nanosecondHistogram, percentileOf, toSeries } from './lib/latency.js';
import { collectGarbage } from './lib/timing.js';
import type { Metric, Profile, Scenario } from './lib/types.js';

/** Exit latency p50 with N watched must stay ≤ this × the p50 with 1 watched. */
const LATENCY_GOAL = 1.2;
/** A burst of exits should reach JS in at most this many batch calls (a handful), whatever its size. */
const BATCH_GOAL = 10;
const KEEP_ALIVE_MS = 60_000;

interface Sizes {
  watched: number;
  rounds: number;
}

function sizes(profile: Profile): Sizes {
  if (profile === 'tiny') return { watched: 50, rounds: 5 };
  if (profile === 'quick') return { watched: 2_000, rounds: 60 };
  return { watched: 10_000, rounds: 200 };
}

export const scenario: Scenario = {
  name: 'scale',
  title: 'Scale: thousands of watched live processes',
  goalSummary: `With N live processes watched: exit latency p50 ≤ ${LATENCY_GOAL}× the p50 with one watched; a burst of N exits reaches JS in ≤ ${BATCH_GOAL} batch calls; bytes per watch reported (JS heap + native + fds).`,
  async run(profile) {
    const s = sizes(profile);
    const reaper = new Reaper(new ExitMonitor());
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);
    try {
      if (!reaper.becomeSubreaper({ adoptOrphans: false })) throw new Error('could not become a child subreaper');
      const alone = await latencyP50(reaper, s.rounds);
      const sleepers = await startOrphans(s.watched);
      const cost = watchAll(reaper, sleepers);
      const crowded = await latencyP50(reaper, s.rounds);
      const burst = await killAll(reaper, sleepers);
      const ratio = crowded / alone;
      const metrics: Metric[] = [
        { name: 'bytes per watch, JS heap', subject: 'exitmon', value: cost.heap, unit: 'bytes', size: sleepers.length },
        { name: 'bytes per watch, process RSS (JS + native)', subject: 'exitmon', value: cost.rss, unit: 'bytes', size: sleepers.length },
        { name: 'file descriptors per watch', subject: 'exitmon', value: cost.fds, unit: 'fds', size: sleepers.length },
        { name: 'exit latency p50 (kill → waitPid), 1 watched', subject: 'exitmon', value: alone, unit: 'µs', size: s.rounds },
        {
          name: `exit latency p50 (kill → waitPid), ${sleepers.length} watched`, subject: 'exitmon', value: crowded, unit: 'µs', size: s.rounds,
          baseline: 'exitmon, 1 watched', ratio, goal: `≤ ${LATENCY_GOAL}× 1 watched`, met: ratio <= LATENCY_GOAL,
        },
        {
          name: `batch calls for a burst of ${sleepers.length} exits`, subject: 'exitmon', value: burst.batches, unit: 'calls', size: sleepers.length,
          goal: `≤ ${BATCH_GOAL} calls`, met: burst.batches <= BATCH_GOAL,
        },
        { name: `burst of ${sleepers.length} exits, kill → last exit published`, subject: 'exitmon', value: burst.ms, unit: 'ms', size: sleepers.length },
      ];
      const notes = [
        `Method: ${sleepers.length} \`sleep\` processes are started by one shell that exits at once, so they are orphans re-parented to this process (a child subreaper, adoptOrphans: false) and every watch reaps. Bytes per watch: heapUsed and RSS after − before watching them all (full GCs around), divided by the count; fds: entries of /proc/self/fd per watch (one pidfd each; the epoll set is one fd for all). Latency: a node:child_process \`sleep\` is watched, SIGKILLed and awaited with waitPid, ${s.rounds} rounds, with 1 and with ${sleepers.length} other processes watched. The burst: all ${sleepers.length} sleepers SIGKILLed at once; the batch calls are the addon's calls into JS (exitBatches).`,
      ];
      return { metrics, distributions: [], notes };
    } finally {
      clearInterval(keepAlive);
      reaper.close();
    }
  },
};

// p50 in µs of kill → waitPid of a watched node:child_process child.
async function latencyP50(reaper: Reaper, rounds: number): Promise<number> {
  const histogram = nanosecondHistogram();
  for (let i = 0; i < rounds; i++) {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    reaper.watch(child.pid!);
    const exited = reaper.monitor.waitPid(child.pid!);
    const t0 = process.hrtime.bigint();
    child.kill('SIGKILL');
    await exited;
    histogram.record(Math.max(1, Number(process.hrtime.bigint() - t0)));
  }
  return percentileOf(toSeries('exitmon', histogram), 50);
}

// Starts n sleepers whose parent shell exits at once; resolves with their pids.
function startOrphans(n: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const sh = spawn('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 600 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    sh.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    sh.on('error', reject);
    sh.on('close', () => resolve(out.trim().split('\n').filter(Boolean).map(Number)));
  });
}

// Watches every pid; returns the cost per watch.
function watchAll(reaper: Reaper, pids: number[]): { heap: number; rss: number; fds: number } {
  collectGarbage();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const fds0 = readdirSync('/proc/self/fd').length;
  for (const pid of pids) reaper.watch(pid);
  collectGarbage();
  const n = pids.length;
  return {
    heap: (process.memoryUsage().heapUsed - heap0) / n,
    rss: (process.memoryUsage().rss - rss0) / n,
    fds: (readdirSync('/proc/self/fd').length - fds0) / n,
  };
}

// SIGKILLs every pid at once; resolves when all exits were published.
async function killAll(reaper: Reaper, pids: number[]): Promise<{ batches: number; ms: number }> {
  const exits = pids.map((pid) => reaper.monitor.waitPid(pid));
  const before = exitBatches(reaper);
  const t0 = performance.now();
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await Promise.all(exits);
  return { batches: exitBatches(reaper) - before, ms: performance.now() - t0 };
}
