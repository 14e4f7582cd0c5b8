// Dispatch: how fast and how lean exitmon's in-process fan-out is, raced in
// one run against node:events, eventemitter3, rxjs Subject.next and rxjs
// observeOn(asapScheduler) (issue 2, item 6).
import { churnMetrics, heapMetrics, routingMetrics, CHURN_GOAL, HEAP_GOAL, ROUTING_GOAL } from './dispatch/cost-sections.js';
import { fanoutMetrics, latencyDistribution, throughputMetrics, SUBJECT, THROUGHPUT_GOAL } from './dispatch/delivery-sections.js';
import { routingCacheNote, throughputAnalysis } from './dispatch/analysis.js';
import { measureStepCosts } from './dispatch/breakdown.js';
import { dispatchSizes, type DispatchSizes } from './dispatch/sizes.js';
import { section } from './lib/progress.js';
import type { Metric, Scenario } from './lib/types.js';

export const scenario: Scenario = {
  name: 'dispatch',
  title: 'Dispatch: publish → delivery in the monitor core',
  goalSummary:
    `One subscriber: streamed publish→delivery throughput ≥ ${THROUGHPUT_GOAL}× ${SUBJECT} (synchronous, unbuffered). ` +
    `Routing: publishing to pid X with 100,000 subscriptions on other pids costs ≤ ${ROUTING_GOAL}× the cost with none. ` +
    `A stalled subscription holds ≤ ${HEAP_GOAL} heap bytes per buffered event. ` +
    `Unsubscribing 100,000 subscriptions takes ≤ ${CHURN_GOAL}× the time to subscribe them.`,
  async run(profile) {
    const sizes = dispatchSizes(profile);
    const quiet = profile === 'tiny';
    const metrics: Metric[] = [
      ...(await section('throughput', quiet, () => throughputMetrics(sizes))),
      ...(await section('fan-out', quiet, () => fanoutMetrics(sizes))),
      ...(await section('routing', quiet, () => routingMetrics(sizes))),
      ...(await section('heap', quiet, () => heapMetrics(sizes))),
      ...(await section('unsubscribe', quiet, () => churnMetrics(sizes))),
    ];
    const distributions = [await section('latency', quiet, () => latencyDistribution(sizes))];
    const costs = await section('step costs', quiet, () => measureStepCosts(quiet ? 0.01 : 1));
    const analysis = throughputAnalysis(metrics, costs);
    const notes = methodNotes(sizes);
    for (const note of [analysis, routingCacheNote(metrics)]) if (note !== undefined) notes.push(note);
    return { metrics, distributions, notes };
  },
};

// How the figures were taken, and the caps, in words for the report.
function methodNotes(s: DispatchSizes): string[] {
  const n = (x: number): string => x.toLocaleString('en-US');
  return [
    `**Method.** Every comparison runs its contenders in the same process, interleaved and rotated round by round ` +
      `(${s.warmups} warm-up round, then ${s.rounds} measured, ${s.judgedRounds} where a goal is judged: streamed ` +
      `throughput and routing; the median is shown), with a full GC before each sample (except in routing, where ` +
      `100,000 live subscriptions make a full GC dearer than the sample). On a shared two-core machine absolute ` +
      `figures move by a quarter between runs; the ratios, taken from interleaved samples, move much less. ` +
      `exitmon runs with its defaults (recent-exits cache of 1024 on); its publish() validates the input, numbers, ` +
      `freezes and caches the event before it enqueues. The baselines emit a plain object with the same eight fields, ` +
      `built per event, without validation or freezing. A throughput sample runs from the first publish to the last delivery.`,
    `**Which throughput the goal is judged on.** The streamed form: ${n(s.batch)} publishes per event-loop turn, ` +
      `each batch delivered before the next. That is how exits arrive (each is a pidfd readiness or SIGCHLD callback; a ` +
      `loop turn sees a handful, never a million), and it measures the dispatch path itself. The one synchronous ` +
      `burst of ${n(s.events)} is reported too: the synchronous emitters never hold an event, while exitmon must ` +
      `buffer all ${n(s.events)} before its first delivery (publish never runs consumer code), so that figure adds ` +
      `the GC cost of ${n(s.events)} live events and the growth of a ${n(s.events)}-slot ring buffer.`,
    `**Caps.** rxjs observeOn(asapScheduler) drains with Array#shift over its pending actions, O(backlog) per event ` +
      `(50k in a burst took 7 s here), so it runs ${n(s.observeOnEvents)} events for one subscriber and ` +
      `${n(s.fanoutObserveOnEvents)} in the fan-out; better-queue (a job queue used as a delivery path: a ticket, ` +
      `an id and callbacks per task) runs ${n(s.betterQueueEvents)}, streamed only. Per-event rates of capped runs ` +
      `are optimistic for observeOn, whose cost grows with the backlog. rxjs Subject churn runs ` +
      `${n(s.churnSubjectCount)} subscriptions (its unsubscribe scans and splices an array).`,
    `**Routing.** Only the synchronous publish loop is timed (batches of 1,000, delivery between batches off ` +
      `the clock). The emitter baselines route with one event name per pid; rxjs with one Subject and a filter per ` +
      `subscriber, which visits every subscriber per event (${n(s.routingFilterPublishes)} publishes).`,
    `**Heap.** heapUsed after a full GC, before and after publishing ${n(s.heapEvents)} events into a monitor whose ` +
      `only subscription is a pull subscription never read; the monitor and subscription exist before the first ` +
      `reading, so the figure is the events plus their ring-buffer slots (the ring doubles, so up to 2 slots of ` +
      `8 bytes per event). The floor is a plain array of the baseline event objects.`,
  ];
}
