// Turns the measured step costs into the report's explanation of exitmon's
// streamed throughput against the goal, from this run's own figures.
import { formatNumber } from '../lib/format.js';
import type { Metric } from '../lib/types.js';
import type { StepCosts } from './breakdown.js';
import { SUBJECT, THROUGHPUT_GOAL } from './delivery-sections.js';

/** Most cheap deliveries between two performance.now() reads (src/core/dispatcher.ts, MAX_CLOCK_STRIDE). */
const MAX_CLOCK_STRIDE = 32;

// The paragraph for the report, or undefined if the throughput rows are absent.
export function throughputAnalysis(metrics: readonly Metric[], costs: StepCosts): string | undefined {
  const streamed = metrics.filter((m) => m.name.startsWith('throughput, 1 subscriber, streamed'));
  const exitmon = streamed.find((m) => m.subject === 'exitmon');
  const subject = streamed.find((m) => m.subject === SUBJECT);
  if (exitmon === undefined || subject === undefined) return undefined;
  const ns = (perSecond: number): number => 1e9 / perSecond;
  const own = ns(exitmon.value);
  const budget = ns(subject.value * THROUGHPUT_GOAL);
  const f = (x: number): string => formatNumber(x);
  const clocks = costs.dateNow + costs.clockRead / MAX_CLOCK_STRIDE;
  const met = exitmon.met === true;
  return (
    `**Where exitmon's time goes.** Streamed, exitmon spends ${f(own)} ns per event from publish to delivery; ` +
    `${SUBJECT} spends ${f(ns(subject.value))} ns, so the goal (${THROUGHPUT_GOAL}×) allows ${f(budget)} ns ` +
    `(${met ? `met, ${f(budget - own)} ns to spare` : `missed by ${f(own - budget)} ns`}). The earlier suggestions are ` +
    `implemented in src/core: the event timestamp is one Date.now() per publish (${f(costs.dateNow)} ns here; a clock read ` +
    `shared by a burst of publishes was dropped, as its timestamp went stale by however long the publisher ran between two ` +
    `publishes); the dispatcher reads performance.now() ` +
    `(${f(costs.clockRead)} ns) every 1 to ${MAX_CLOCK_STRIDE} deliveries, doubling the stride while deliveries are cheap and ` +
    `restarting it with every subscription's turn; recent exits are a plain ring, one store per publish ` +
    `(${f(costs.ringStore)} ns), scanned only by waitPid / waitExec / lastExit. Together the clock reads now cost about ` +
    `${f(clocks)} ns per event in a streamed run, against ${f(costs.dateNow + costs.clockRead)} ns when both were read per event. ` +
    `What is left is the work the synchronous emitters do not do: a CPU profile of the streamed run ` +
    `(\`node --cpu-prof\`, 1,000,000 events × 6, taken while one clock read still served a burst of publishes) put about ` +
    `40 % in createExitEvent (validating the ExitInit, building the event and freezing it: Object.freeze alone ` +
    `${f(costs.freeze)} ns), 17 % in routing and enqueueing, 14 % in the publish loop itself (sequence number, ring store), ` +
    `11 % in the dispatcher's drain and 12 % in GC of the event objects; the clock reads now take the ${f(clocks)} ns above, ` +
    `about ${Math.round((100 * clocks) / own)} % of the time per event. ` +
    (met
      ? `No change is suggested: the goal is met with room.`
      : `The goal was missed in this run although the profile leaves no single step to cut: re-run (the streamed figure ` +
        `moves by a quarter between runs on this shared machine) before changing src/core.`)
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
    `with the default cache and ${formatNumber(uncached)} ns without it (${formatNumber(cached - uncached)} ns apart). Since the ` +
    `cache became a ring (one array store per publish, src/core/recent-exits.ts) it no longer depends on whether the same ` +
    `pid repeats; before, RecentExits.put deleted and re-inserted a Map key on every publish, which cost about 13 ns more in the last run before the change.`
  );
}
