// Turns the measured step costs into the report's explanation of exitmon's
// streamed throughput against the goal, with a projection of the suggested
// src/core changes computed from this run's own figures.
import { formatNumber } from '../lib/format.js';
import type { Metric } from '../lib/types.js';
import type { StepCosts } from './breakdown.js';
import { SUBJECT, THROUGHPUT_GOAL } from './delivery-sections.js';

/** Deliveries between clock reads the suggested adaptive check would reach. */
const SUGGESTED_CLOCK_STRIDE = 32;
/** What a ring-array store costs in place of the Map update, ns (measured ~4 ns here). */
const RING_STORE_NS = 4;

// The paragraph for the report, or undefined if the throughput rows are absent.
export function throughputAnalysis(metrics: readonly Metric[], costs: StepCosts): string | undefined {
  const streamed = metrics.filter((m) => m.name.startsWith('throughput, 1 subscriber, streamed'));
  const exitmon = streamed.find((m) => m.subject === 'exitmon');
  const subject = streamed.find((m) => m.subject === SUBJECT);
  if (exitmon === undefined || subject === undefined) return undefined;
  const ns = (perSecond: number): number => 1e9 / perSecond;
  const own = ns(exitmon.value);
  const budget = ns(subject.value * THROUGHPUT_GOAL);
  const saving = costs.clockRead * (1 - 1 / SUGGESTED_CLOCK_STRIDE) + Math.max(0, costs.cacheUpdate - RING_STORE_NS);
  const projected = subject.value > 0 ? ns(subject.value) / (own - saving) : 0;
  const f = (x: number): string => formatNumber(x);
  return (
    `**Where exitmon's time goes.** Streamed, exitmon spends ${f(own)} ns per event from publish to delivery; ` +
    `${SUBJECT} spends ${f(ns(subject.value))} ns, so the goal (${THROUGHPUT_GOAL}×) allows ${f(budget)} ns ` +
    `(${exitmon.met === true ? 'met' : 'missed'}). Per event, exitmon reads the wall clock for the timestamp ` +
    `(Date.now: ${f(costs.dateNow)} ns here), reads the monotonic clock after every delivery to bound the slice ` +
    `(performance.now: ${f(costs.clockRead)} ns), freezes the event (${f(costs.freeze)} ns) and moves the pid to the ` +
    `newest end of the recent-exits Map (delete + set: ${f(costs.cacheUpdate)} ns); the remainder is validation, ` +
    `routing, the ring buffer, the dispatcher and GC of the event objects. A CPU profile of the streamed run ` +
    `(\`node --cpu-prof\`, taken when this benchmark was written) puts about 25 % in createExitEvent, 14 % in RecentExits.put, 11 % in clock reads and 10 % in GC. ` +
    `**Suggested src/core change:** (1) in Dispatcher#drain, read the clock after every delivery only while deliveries ` +
    `are slow: double the stride between reads (up to ${SUGGESTED_CLOCK_STRIDE}) while each read finds the events since ` +
    `the last one cheap, and drop back to 1 as soon as one was not, so a consistently slow consumer still overruns a ` +
    `slice by at most one callback; (2) keep recent exits in a ring array of the last N events (one store per publish) ` +
    `and answer waitPid / waitExec / lastExit by scanning it newest-first (≤ 1024 entries, about a µs, once per wait). ` +
    `Projected from this run's figures: ${f(own - saving)} ns per event, ${f(projected)}× ${SUBJECT}. Dropping ` +
    `Object.freeze (readonly types only) would save another ${f(costs.freeze)} ns.`
  );
}

// What the recent-exits cache adds to a publish when the same pid exits over
// and over (the routing runs), from this run's own rows.
export function routingCacheNote(metrics: readonly Metric[]): string | undefined {
  const none = (subject: string): number | undefined =>
    metrics.find((m) => m.subject === subject && m.name.startsWith('routing') && m.baseline === undefined)?.value;
  const cached = none('exitmon');
  const uncached = none('exitmon (recentExits: 0)');
  if (cached === undefined || uncached === undefined) return undefined;
  return (
    `**The recent-exits cache in the routing runs.** Publishing to one pid again and again costs ${formatNumber(cached)} ns ` +
    `with the default cache and ${formatNumber(uncached)} ns without it: RecentExits.put deletes and re-inserts the same ` +
    `key, and an ordered Map that holds a single live key rehashes every few operations to purge deleted entries. ` +
    `Real pids rarely exit twice in a row, so this inflates both sides of the routing ratio equally; the ring array ` +
    `suggested above removes it.`
  );
}
