// One run against the bounded baseline (bounded-monitor.ts, bounded-reaper.ts)
// with the same churn, synthetic load and subscribers. The run stops at runMs
// plus a grace period: whatever the blocked reaper has not reaped by then is
// counted as left (its exit→reap latency at least its age then), then the
// baseline is shut down and the leftovers reaped for cleanup.
import { collectGarbage } from '../lib/timing.js';
import { BoundedMonitor } from './bounded-monitor.js';
import { BoundedReaper, nativeBinding, reapLeftovers } from './bounded-reaper.js';
import { monoMs } from './clock.js';
import { ConsumerSet, PublishTimes, type SlowKinds } from './consumers.js';
import { SYNTHETIC_PID_BASE } from './exitmon-run.js';
import { HeapWatermark, publishSynthetic } from './load.js';
import { ChurnSession, seqCapacity, type RunContext } from './run-context.js';
import { commonReport, joinReaps, noteReap, type RoundResult } from './run-types.js';
import { BOUNDED_CAPACITY } from './sizes.js';

// Runs the bounded baseline with one set of subscribers and reports its figures.
export async function runBounded(ctx: RunContext, id: string, subject: string, kinds: SlowKinds): Promise<RoundResult> {
  const { sizes } = ctx;
  const started = performance.now();
  const times = new PublishTimes(seqCapacity(sizes));
  const consumers = new ConsumerSet(kinds, seqCapacity(sizes), times);
  const reaps = new Map<number, number[]>();
  const monitor = new BoundedMonitor(BOUNDED_CAPACITY);
  for (const consumer of consumers.all) monitor.subscribe(consumer.listener);
  const stamp = (seq: number): void => times.set(seq, performance.now());
  const reaper = new BoundedReaper(monitor, (pid, t) => noteReap(reaps, pid, t), stamp);

  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const heap = new HeapWatermark();
  const churn = new ChurnSession(ctx, id);
  reaper.start();
  const synthetic = publishSynthetic(sizes.synthetic, sizes.runMs, false, (i) =>
    monitor.publish({ pid: SYNTHETIC_PID_BASE + i, code: 0, signal: null, status: 0, outcome: 'unknown' }, stamp),
  );
  const outcome = await churn.done;
  const reapedCount = (): number => [...reaps.values()].reduce((n, list) => n + list.length, 0);
  const exits = await churn.catchUp(outcome, reapedCount, started + sizes.runMs + sizes.boundedGraceMs);
  const endMono = monoMs();
  consumers.stopRecording(monitor.published, performance.now());
  const zombies = await churn.sampler.stop();
  const heapPeak = heap.stop();

  reaper.stop();
  monitor.close();
  const published = await synthetic;
  reapLeftovers(nativeBinding());
  churn.slots.remove();

  const join = joinReaps(exits, reaps, endMono);
  const report = commonReport({
    id, subject, design: 'bounded', kinds, sizes, published, exits, join, churnFailed: outcome.failed,
    consumers, zombies, heapBefore, heapPeak, heap, started,
  });
  return { report, reapHistogram: join.histogram, fastHistogram: consumers.fastLatency };
}
