// Backpressure: real orphan churn plus synthetic publishes with a subscriber
// that never reads, an async one awaiting 5 ms per event, a synchronous one
// burning 2 ms per event and ten fast ones; against the same load without the
// slow ones, and against a bounded-queue, blocking-send monitor (issue 6).
import os from 'node:os';
import { analysisNotes, methodNotes } from './backpressure/analysis.js';
import { buildHelpers } from './backpressure/build.js';
import { backpressureMetrics, FAST_GOAL, REAP_ASYNC_GOAL, type Reports } from './backpressure/metrics.js';
import { RUNS } from './backpressure/runs.js';
import { ASYNC_SLOW_MS, backpressureSizes, BOUNDED_CAPACITY, DELIVERY_SLICE_MS, SYNC_SLOW_MS } from './backpressure/sizes.js';
import { runWorker } from './backpressure/spawn-worker.js';
import { section } from './lib/progress.js';
import type { Distribution, Scenario } from './lib/types.js';

export const scenario: Scenario = {
  name: 'backpressure',
  title: 'Backpressure: slow and stalled subscribers during real process churn',
  goalSummary:
    `With a never-reading, an async ${ASYNC_SLOW_MS} ms and a synchronous ${SYNC_SLOW_MS} ms subscriber next to ten fast ones, ` +
    `during real orphan churn and synthetic publishes: exit→reap p99 ≤ ${REAP_ASYNC_GOAL}× the run without slow subscribers ` +
    `(async ones), and ≤ that plus one ${SYNC_SLOW_MS} ms callback and the ${DELIVERY_SLICE_MS} ms delivery slice (with the ` +
    `synchronous one); fast-subscriber publish→delivery p99 ≤ ${FAST_GOAL}× baseline; never more zombies than one burst in ` +
    `flight; 0 events lost, duplicated or reordered. A bounded (${BOUNDED_CAPACITY}) blocking-send monitor runs the same load for contrast.`,
  async run(profile) {
    const sizes = backpressureSizes(profile);
    const quiet = profile === 'tiny';
    const helpers = await section('build C helpers', quiet, () => buildHelpers());
    const loadBefore = os.loadavg()[0] ?? 0;
    const list = await section('runs (one worker process)', quiet, () => runWorker(profile, helpers));
    const reports = Object.fromEntries(list.map((r) => [r.id, r])) as Reports;
    for (const spec of RUNS) if (reports[spec.id] === undefined) throw new Error(`The worker did not report ${spec.id}`);
    const metrics = backpressureMetrics(reports, sizes);
    const analysis = analysisNotes(reports, metrics, sizes);
    const distributions: Distribution[] = [
      {
        metric: 'exit-reap',
        title: 'exit → reap latency (probe clock before _exit → reaper)',
        unit: 'µs',
        series: list.map((r) => r.reap.series),
        note: 'Bounded runs: orphans still unreaped at the end of the run are counted at their age then (a lower bound).',
      },
      {
        metric: 'fast-delivery',
        title: 'publish → fast subscriber latency',
        unit: 'µs',
        series: list.map((r) => r.fast.series),
        note: 'Deliveries still owed when a run ended are counted at their age then (a lower bound). Bounded runs deliver only what the blocking send let through.',
      },
    ];
    const load = `**Machine load.** 1-minute load average ${loadBefore.toFixed(1)} before and ${(os.loadavg()[0] ?? 0).toFixed(1)} after the run, on ${os.cpus().length} cores (other work on the machine shows up as noise in every configuration).`;
    return { metrics, distributions, notes: [...methodNotes(sizes, reports), load, ...analysis] };
  },
};
