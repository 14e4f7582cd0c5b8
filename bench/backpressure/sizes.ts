// Problem sizes of the backpressure scenario per profile. Quick keeps the
// whole scenario near 30 s on two cores (budget ~50 s) and scales the
// synthetic load down to 100k publishes per round (3 rounds per exitmon
// configuration); full publishes the 1M synthetic exits of the issue in every
// round; tiny only proves the code runs.
import type { Profile } from '../lib/types.js';

export interface BackpressureSizes {
  /** Rounds of each exitmon configuration (rotated); the bounded baseline runs once. */
  rounds: number;
  /** How long each run (round) publishes and spawns, in ms. */
  runMs: number;
  /** Synthetic publishes per run (round), spread evenly over runMs. */
  synthetic: number;
  /** A burst process forks this many orphans and exits: the churn's in-flight batch. */
  burstSize: number;
  /** One burst is started every burstEveryMs. */
  burstEveryMs: number;
  /** The orphans of one burst exit spread over this many ms. */
  burstSpreadMs: number;
  /** The bounded baseline gets this long after the churn to catch up before zombies are counted as left. */
  boundedGraceMs: number;
  /** Zombie sampling period of the /proc sampler, in ms. */
  zombieSampleMs: number;
}

/** Async slow consumer: awaits this long per event. */
export const ASYNC_SLOW_MS = 5;
/** Synchronous slow consumer: burns this long per event. */
export const SYNC_SLOW_MS = 2;
/** Fast subscribers per run. */
export const FAST_SUBSCRIBERS = 10;
/** Per-subscriber queue capacity of the bounded baseline (containerd's old exit channel). */
export const BOUNDED_CAPACITY = 128;
/** exitmon's delivery slice (src/core/dispatcher.ts DEFAULT_SLICE_MS), used in the goal. */
export const DELIVERY_SLICE_MS = 4;

const TINY: BackpressureSizes = {
  rounds: 1, runMs: 300, synthetic: 5_000, burstSize: 2, burstEveryMs: 25, burstSpreadMs: 10, boundedGraceMs: 100, zombieSampleMs: 10,
};
const QUICK: BackpressureSizes = {
  rounds: 3, runMs: 2_500, synthetic: 100_000, burstSize: 5, burstEveryMs: 25, burstSpreadMs: 20, boundedGraceMs: 1_000, zombieSampleMs: 10,
};
const FULL: BackpressureSizes = {
  rounds: 3, runMs: 15_000, synthetic: 1_000_000, burstSize: 5, burstEveryMs: 25, burstSpreadMs: 20, boundedGraceMs: 2_000, zombieSampleMs: 10,
};

// The sizes of one profile.
export function backpressureSizes(profile: Profile): BackpressureSizes {
  return profile === 'full' ? FULL : profile === 'tiny' ? TINY : QUICK;
}

// Orphans one run makes: one burst per burstEveryMs for runMs.
export function orphansPerRun(s: BackpressureSizes): number {
  return Math.ceil(s.runMs / s.burstEveryMs) * s.burstSize;
}
