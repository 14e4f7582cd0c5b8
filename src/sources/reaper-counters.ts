// @internal counters of a reaper for tests and benchmarks, kept out of its
// public surface: how many /proc scans its orphan sweep ran, and how many exit
// batches the addon delivered to JS.

/** Read-outs registered by each reaper. */
export const scanCounters = new WeakMap<object, () => number>();
export const batchCounters = new WeakMap<object, () => number>();

/** @internal How many full /proc scans the orphan sweep of `reaper` ran (tests and benchmarks). */
export function orphanScans(reaper: object): number {
  return scanCounters.get(reaper)?.() ?? 0;
}

/** @internal How many exit batches the addon delivered to JS in this thread (benchmarks: a burst should take few). */
export function exitBatches(reaper: object): number {
  return batchCounters.get(reaper)?.() ?? 0;
}
