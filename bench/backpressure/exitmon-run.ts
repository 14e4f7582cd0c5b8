// One run against exitmon: a fresh ExitMonitor and an adopting Reaper (child
// subreaper), the given subscribers, real orphan churn and synthetic publishes
// at once. Afterwards the slow consumers are relaxed, everything is drained
// (the never-reading subscription with next()) and every sequence checked.
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitMonitor, Reaper, type ExitInit, type ExitSubscription } from '../../src/index.js';
import { collectGarbage } from '../lib/timing.js';
import { monoMs } from './clock.js';
import { ConsumerSet, PublishTimes, type SlowKinds } from './consumers.js';
import { HeapWatermark, publishSynthetic } from './load.js';
import { ChurnSession, seqCapacity, type RunContext } from './run-context.js';
import { commonReport, joinReaps, noteReap, type RoundResult, type RunReport } from './run-types.js';

/** Synthetic exits use pids above any real one here (pid_max is 32768 or 4194304). */
export const SYNTHETIC_PID_BASE = 4_000_000;
/** Distinct synthetic pids, cycled. */
const SYNTHETIC_PIDS = 100_000;
/** Longest wait for the reaper to collect the last orphans after the churn, ms. */
const CATCH_UP_MS = 5_000;
/** Longest wait for relaxed consumers to drain, ms. */
const DRAIN_TIMEOUT_MS = 60_000;
/** Poll period while waiting for the drain, ms. */
const DRAIN_POLL_MS = 5;

// Wraps monitor.publish to stamp each seq's publish time and each reap's time.
function instrument(monitor: ExitMonitor, times: PublishTimes, reaps: Map<number, number[]>): void {
  const publish = monitor.publish.bind(monitor);
  monitor.publish = (init: ExitInit) => {
    const t = performance.now();
    const event = publish(init);
    times.set(event.seq, t);
    if (init.outcome === 'reaped') noteReap(reaps, init.pid, monoMs());
    return event;
  };
}

// Waits until every listener subscription has drained, or the timeout.
async function drainListeners(monitor: ExitMonitor, pull: ExitSubscription | undefined): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (monitor.stats().backlogTotal > (pull?.backlog ?? 0) && performance.now() < deadline) await sleep(DRAIN_POLL_MS);
}

// Runs one exitmon configuration and reports its figures.
export async function runExitmon(ctx: RunContext, id: string, subject: string, kinds: SlowKinds): Promise<RoundResult> {
  const { sizes } = ctx;
  const started = performance.now();
  const times = new PublishTimes(seqCapacity(sizes));
  const consumers = new ConsumerSet(kinds, seqCapacity(sizes), times);
  const reaps = new Map<number, number[]>();
  const monitor = new ExitMonitor();
  instrument(monitor, times, reaps);
  for (const consumer of [...consumers.fast, ...consumers.slow]) monitor.subscribe('all', consumer.listener!);
  const pull = consumers.never === undefined ? undefined : monitor.subscribe('all');
  const reaper = new Reaper(monitor);
  if (!reaper.becomeSubreaper()) throw new Error('Expected to become a child subreaper');

  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const heap = new HeapWatermark();
  const churn = new ChurnSession(ctx, id);
  const synthetic = publishSynthetic(sizes.synthetic, sizes.runMs, true, (i) => {
    monitor.publish({ pid: SYNTHETIC_PID_BASE + (i % SYNTHETIC_PIDS), code: 0, outcome: 'unknown' });
  });
  const [outcome, published] = await Promise.all([churn.done, synthetic]);
  const reapedCount = (): number => [...reaps.values()].reduce((n, list) => n + list.length, 0);
  const exits = await churn.catchUp(outcome, reapedCount, performance.now() + CATCH_UP_MS);
  const endMono = monoMs();
  consumers.stopRecording(monitor.stats().published, performance.now());
  const zombies = await churn.sampler.stop();
  const heapPeak = heap.stop();

  collectGarbage();
  const buffered = pull?.backlog ?? 0;
  const bytesPerBufferedEvent = buffered > 0 ? (process.memoryUsage().heapUsed - heapBefore) / buffered : undefined;
  const drainStart = performance.now();
  consumers.relaxed = true;
  await drainListeners(monitor, pull);
  while (pull !== undefined && pull.backlog > 0) consumers.never!.checker.see((await pull.next()).seq);
  const drainMs = performance.now() - drainStart;
  const total = monitor.stats().published;
  const seq = consumers.all.map(({ name, checker }) => ({ name, verdict: checker.verdict(total) }));
  reaper.close();
  monitor.close();
  churn.slots.remove();

  const join = joinReaps(exits, reaps, endMono);
  const report: RunReport = {
    ...commonReport({
      id, subject, design: 'exitmon', kinds, sizes, published, exits, join, churnFailed: outcome.failed,
      consumers, zombies, heapBefore, heapPeak, heap, started,
    }),
    bytesPerBufferedEvent, bufferedEvents: buffered || undefined,
    seq, drainMs,
  };
  return { report, reapHistogram: join.histogram, fastHistogram: consumers.fastLatency };
}
