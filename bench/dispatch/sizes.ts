// Problem sizes of the dispatch scenario per profile. The quick profile keeps
// the whole scenario under ~40 s on two cores; tiny only proves the code runs.
import type { Profile } from '../lib/types.js';

export interface DispatchSizes {
  /** Measured rounds per comparison (median reported) and unmeasured warm-ups. */
  rounds: number;
  /** More rounds where a goal is judged close to its bound. */
  judgedRounds: number;
  warmups: number;
  /** Events of the one-subscriber throughput runs, and the streamed batch size. */
  events: number;
  batch: number;
  /** Cap for rxjs observeOn(asap), whose drain costs O(backlog) per event. */
  observeOnEvents: number;
  /** Cap for better-queue (a ticket and callbacks per task). */
  betterQueueEvents: number;
  fanoutSubscribers: number;
  fanoutEvents: number;
  fanoutBatch: number;
  fanoutObserveOnEvents: number;
  /** Subscriptions on other pids, and publishes timed per sample. */
  routingOthers: number;
  routingPublishes: number;
  /** rxjs filter visits every subscriber per next(): far fewer publishes. */
  routingFilterPublishes: number;
  heapEvents: number;
  heapBaselineEvents: number;
  churnCount: number;
  /** rxjs Subject removes by array scan + splice: O(n) per unsubscribe. */
  churnSubjectCount: number;
  latencyEvents: number;
  latencyCappedEvents: number;
}

const QUICK: DispatchSizes = {
  rounds: 3,
  judgedRounds: 5,
  warmups: 1,
  events: 1_000_000,
  batch: 1_000,
  observeOnEvents: 20_000,
  betterQueueEvents: 10_000,
  fanoutSubscribers: 100,
  fanoutEvents: 20_000,
  fanoutBatch: 100,
  fanoutObserveOnEvents: 2_000,
  routingOthers: 100_000,
  routingPublishes: 200_000,
  routingFilterPublishes: 50,
  heapEvents: 200_000,
  heapBaselineEvents: 10_000,
  churnCount: 100_000,
  churnSubjectCount: 10_000,
  latencyEvents: 100_000,
  latencyCappedEvents: 10_000,
};

const FULL: DispatchSizes = { ...QUICK, rounds: 5, judgedRounds: 9, fanoutEvents: 100_000, routingPublishes: 1_000_000, latencyEvents: 1_000_000 };

const TINY: DispatchSizes = {
  rounds: 1,
  judgedRounds: 1,
  warmups: 0,
  events: 2_000,
  batch: 100,
  observeOnEvents: 500,
  betterQueueEvents: 500,
  fanoutSubscribers: 4,
  fanoutEvents: 200,
  fanoutBatch: 50,
  fanoutObserveOnEvents: 100,
  routingOthers: 500,
  routingPublishes: 500,
  routingFilterPublishes: 20,
  heapEvents: 1_000,
  heapBaselineEvents: 200,
  churnCount: 500,
  churnSubjectCount: 200,
  latencyEvents: 1_000,
  latencyCappedEvents: 200,
};

// The sizes for a profile.
export function dispatchSizes(profile: Profile): DispatchSizes {
  return profile === 'full' ? FULL : profile === 'tiny' ? TINY : QUICK;
}
