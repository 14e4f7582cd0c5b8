// The cost half of the dispatch scenario: routing with many subscriptions on
// other pids, heap per buffered event, and unsubscribe versus subscribe.
import type { Metric } from '../lib/types.js';
import { interleave, median, medians, type Contender } from '../lib/timing.js';
import {
  eventEmitter3PidListeners, exitmonAllPull, exitmonPidListeners, nodeEventsPidListeners, subjectSubscribers, type ChurnFactory,
} from './churn.js';
import { betterQueueBytesPerEvent, exitmonBytesPerEvent, observeOnBytesPerEvent, plainArrayBytesPerEvent } from './retained.js';
import {
  eventEmitter3Routed, exitmonRouted, exitmonRoutedNoCache, nodeEventsRouted, publishCostNs, subjectFilterRouted, type RoutedFactory,
} from './routing.js';
import type { DispatchSizes } from './sizes.js';

export const ROUTING_GOAL = 1.2;
export const HEAP_GOAL = 120;
export const CHURN_GOAL = 1.5;
/** Publishes per timed batch in the routing runs. */
const ROUTING_BATCH = 1_000;

// Publish cost with `others` subscriptions elsewhere versus none, per subject,
// the two configurations interleaved round by round.
export async function routingMetrics(s: DispatchSizes): Promise<Metric[]> {
  const subjects: [string, RoutedFactory, number][] = [
    ['exitmon', exitmonRouted, s.routingPublishes],
    ['exitmon (recentExits: 0)', exitmonRoutedNoCache, s.routingPublishes],
    ['node:events (event per pid)', nodeEventsRouted, s.routingPublishes],
    ['eventemitter3 (event per pid)', eventEmitter3Routed, s.routingPublishes],
    ['rxjs Subject + filter(pid)', subjectFilterRouted, s.routingFilterPublishes],
  ];
  const others = s.routingOthers.toLocaleString('en-US');
  const rows: Metric[] = [];
  for (const [subject, factory, publishes] of subjects) {
    const none = factory(0, () => {});
    const many = factory(s.routingOthers, () => {});
    const batch = Math.min(ROUTING_BATCH, publishes);
    const results = medians(await interleave([
      { subject: 'none', measure: () => publishCostNs(none, publishes, batch) },
      { subject: 'many', measure: () => publishCostNs(many, publishes, batch) },
    ], { rounds: s.judgedRounds, warmups: s.warmups, gc: false }));
    none.close();
    many.close();
    const base = results.get('none') as number;
    const value = results.get('many') as number;
    const judged = subject === 'exitmon';
    rows.push(
      { name: 'routing: publish to pid X, no other subscriptions', subject, value: base, unit: 'ns/publish', size: publishes },
      {
        name: `routing: publish to pid X, ${others} subscriptions on other pids`, subject, value, unit: 'ns/publish', size: publishes,
        baseline: 'same, no other subscriptions', ratio: value / base,
        ...(judged ? { goal: `≤ ${ROUTING_GOAL}× with none`, met: value / base <= ROUTING_GOAL } : {}),
      },
    );
  }
  return rows;
}

// Heap bytes per buffered event (median of rounds; GC-bracketed, so no warm-up needed).
export function heapMetrics(s: DispatchSizes): Metric[] {
  const rounds = Math.max(1, s.rounds);
  const repeat = (f: () => number): number => median(Array.from({ length: rounds }, f));
  const floor = repeat(() => plainArrayBytesPerEvent(s.heapEvents));
  const zero = repeat(() => exitmonBytesPerEvent(s.heapEvents, 0));
  const cached = repeat(() => exitmonBytesPerEvent(s.heapEvents, undefined));
  const observeOn = repeat(() => observeOnBytesPerEvent(s.heapBaselineEvents));
  const betterQueue = repeat(() => betterQueueBytesPerEvent(s.heapBaselineEvents));
  const name = 'heap per buffered event, stalled subscriber';
  const floorName = 'plain array of event objects';
  const row = (subject: string, value: number, size: number, extra: Partial<Metric> = {}): Metric => ({
    name, subject, value, unit: 'bytes/event', size, baseline: floorName, ratio: value / floor, ...extra,
  });
  return [
    row('exitmon (recentExits: 0)', zero, s.heapEvents, { goal: `≤ ${HEAP_GOAL} bytes/event`, met: zero <= HEAP_GOAL }),
    row('exitmon (default cache of 1024)', cached, s.heapEvents),
    { name, subject: floorName, value: floor, unit: 'bytes/event', size: s.heapEvents, note: 'the floor: event objects alone' },
    row('rxjs observeOn(asap)', observeOn, s.heapBaselineEvents, { note: 'pending scheduled actions' }),
    row('better-queue (stalled worker)', betterQueue, s.heapBaselineEvents),
  ];
}

// Time to unsubscribe every subscription versus to subscribe them, per subject.
export async function churnMetrics(s: DispatchSizes): Promise<Metric[]> {
  const subjects: [string, ChurnFactory, number, boolean][] = [
    ['exitmon ({ pid } listeners)', exitmonPidListeners, s.churnCount, true],
    ["exitmon ('all' pull subscriptions)", exitmonAllPull, s.churnCount, true],
    ['node:events (event per pid)', nodeEventsPidListeners, s.churnCount, false],
    ['eventemitter3 (event per pid)', eventEmitter3PidListeners, s.churnCount, false],
    ['rxjs Subject', subjectSubscribers, s.churnSubjectCount, false],
  ];
  const subscribeMs = new Map<string, number[]>();
  const contenders: Contender[] = subjects.map(([subject, factory, count]) => ({
    subject,
    measure: async () => {
      const times = factory(count);
      (subscribeMs.get(subject) ?? subscribeMs.set(subject, []).get(subject)!).push(times.subscribeMs);
      return times.unsubscribeMs;
    },
  }));
  const unsubscribeMs = medians(await interleave(contenders, { rounds: s.rounds, warmups: s.warmups }));
  return subjects.flatMap(([subject, , count, judged]): Metric[] => {
    // subscribeMs also holds the warm-up samples: drop them so both medians cover the same rounds.
    const sub = median((subscribeMs.get(subject) as number[]).slice(s.warmups));
    const unsub = unsubscribeMs.get(subject) as number;
    const ratio = unsub / sub;
    return [
      { name: `subscribe ${count.toLocaleString('en-US')}`, subject, value: sub, unit: 'ms', size: count },
      {
        name: `unsubscribe ${count.toLocaleString('en-US')}`, subject, value: unsub, unit: 'ms', size: count,
        baseline: 'subscribe (same subject)', ratio,
        ...(judged ? { goal: `≤ ${CHURN_GOAL}× subscribe`, met: ratio <= CHURN_GOAL } : {}),
        ...(count < s.churnCount ? { note: `capped at ${count.toLocaleString('en-US')}: O(n) removal` } : {}),
      },
    ];
  });
}
