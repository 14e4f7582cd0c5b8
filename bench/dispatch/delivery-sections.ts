// The delivery half of the dispatch scenario: one-subscriber throughput
// (streamed and burst), fan-out, and per-event latency, each racing exitmon
// against the baselines interleaved in this process.
import type { Distribution, Metric } from '../lib/types.js';
import { toSeries } from '../lib/latency.js';
import { interleave, medians, type Contender } from '../lib/timing.js';
import { streamedLatency } from './latency.js';
import {
  betterQueuePath, eventEmitter3Path, exitmonPath, nodeEventsPath, observeOnAsapPath, subjectPath, type PathFactory,
} from './paths.js';
import type { DispatchSizes } from './sizes.js';
import { deliveriesPerSecond, type PublishMode } from './throughput.js';

/** The yardstick of the throughput goal. */
export const SUBJECT = 'rxjs Subject.next';
/** exitmon must reach this fraction of SUBJECT's throughput. */
export const THROUGHPUT_GOAL = 0.3;

interface PathEntry {
  subject: string;
  factory: PathFactory;
  /** Events used for this path (a cap when smaller than the run's size). */
  events: number;
}

// The contenders for one subscriber count; capped paths get fewer events.
function pathEntries(s: DispatchSizes, events: number, observeOnEvents: number, withBetterQueue: boolean): PathEntry[] {
  const entries: PathEntry[] = [
    { subject: 'exitmon', factory: exitmonPath, events },
    { subject: 'node:events', factory: nodeEventsPath, events },
    { subject: 'eventemitter3', factory: eventEmitter3Path, events },
    { subject: SUBJECT, factory: subjectPath, events },
    { subject: 'rxjs observeOn(asap)', factory: observeOnAsapPath, events: Math.min(events, observeOnEvents) },
  ];
  if (withBetterQueue) entries.push({ subject: 'better-queue', factory: betterQueuePath, events: Math.min(events, s.betterQueueEvents) });
  return entries;
}

// Races the entries and returns one metric row per entry, ratios against SUBJECT.
async function raceThroughput(
  name: string, entries: PathEntry[], subscribers: number, mode: PublishMode, s: DispatchSizes, goal: boolean,
): Promise<Metric[]> {
  const contenders: Contender[] = entries.map((e) => ({
    subject: e.subject,
    measure: () => deliveriesPerSecond(e.factory, e.events, subscribers, mode),
  }));
  const rounds = goal ? s.judgedRounds : s.rounds;
  const results = medians(await interleave(contenders, { rounds, warmups: s.warmups }));
  const yardstick = results.get(SUBJECT) as number;
  return entries.map((e): Metric => {
    const value = results.get(e.subject) as number;
    const ratio = value / yardstick;
    const judged = goal && e.subject === 'exitmon';
    return {
      name, subject: e.subject, value, unit: subscribers === 1 ? 'events/s' : 'deliveries/s', size: e.events,
      baseline: SUBJECT, ratio,
      ...(judged ? { goal: `≥ ${THROUGHPUT_GOAL}× ${SUBJECT}`, met: ratio >= THROUGHPUT_GOAL } : {}),
      ...(e.events < entries[0]!.events ? { note: `capped at ${e.events.toLocaleString('en-US')} events` } : {}),
    };
  });
}

// One subscriber, streamed (judged) and as one synchronous burst (reported).
export async function throughputMetrics(s: DispatchSizes): Promise<Metric[]> {
  const streamed = await raceThroughput(
    `throughput, 1 subscriber, streamed (${s.batch}/turn)`,
    pathEntries(s, s.events, s.observeOnEvents, true), 1, { kind: 'streamed', batch: s.batch }, s, true,
  );
  const burst = await raceThroughput(
    'throughput, 1 subscriber, one synchronous burst',
    pathEntries(s, s.events, s.observeOnEvents, false), 1, { kind: 'burst' }, s, false,
  );
  return [...streamed, ...burst];
}

// Fan-out to many subscribers, streamed.
export async function fanoutMetrics(s: DispatchSizes): Promise<Metric[]> {
  return raceThroughput(
    `fan-out to ${s.fanoutSubscribers} subscribers, streamed (${s.fanoutBatch} events/turn)`,
    pathEntries(s, s.fanoutEvents, s.fanoutObserveOnEvents, false), s.fanoutSubscribers,
    { kind: 'streamed', batch: s.fanoutBatch }, s, false,
  );
}

// Per-event publish→delivery latency, streamed, one subscriber: one chart.
export async function latencyDistribution(s: DispatchSizes): Promise<Distribution> {
  const entries = pathEntries(s, s.latencyEvents, s.latencyCappedEvents, true).map((e) => ({
    ...e, events: Math.min(e.events, e.subject === 'better-queue' ? s.latencyCappedEvents : e.events),
  }));
  const series = [];
  for (const e of entries) {
    await streamedLatency(e.factory, e.events, s.batch); // warm-up: JIT and heap growth off the record
    series.push(toSeries(e.subject, await streamedLatency(e.factory, e.events, s.batch)));
  }
  return {
    metric: 'latency',
    title: `Publish→delivery latency per event, 1 subscriber, ${s.batch} events per loop turn`,
    unit: 'µs',
    series,
    note:
      `Each event's latency runs from its publish() to its delivery. Synchronous emitters deliver inside publish(), ` +
      `so theirs is the cost of one call; exitmon and the other buffered paths deliver after the batch (exitmon in a ` +
      `microtask slice once the publishing callback returns, the others later), so their latency includes the rest of ` +
      `the batch being published. ` +
      `${s.latencyEvents.toLocaleString('en-US')} events per subject; observeOn(asap) and better-queue capped at ` +
      `${s.latencyCappedEvents.toLocaleString('en-US')}.`,
  };
}
