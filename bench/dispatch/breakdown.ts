// Prices the per-event steps of exitmon's publish→delivery path that the
// synchronous emitters do not have, so a missed throughput goal comes with
// its cause measured on the same machine, in the same run.
import { now } from '../lib/timing.js';

/** Iterations per micro-measurement. */
const ITERATIONS = 2_000_000;
/** Keys cycled through the Map, like the recent-exits cache with 1024 pids. */
const CACHE_KEYS = 1024;

/** Nanoseconds per operation of each step. */
export interface StepCosts {
  clockRead: number;
  dateNow: number;
  freeze: number;
  cacheUpdate: number;
}

// Nanoseconds per call of `step`, after one unmeasured pass.
function nsPer(step: (i: number) => unknown, iterations: number): number {
  let sink: unknown;
  let elapsed = 0;
  for (let pass = 0; pass < 2; pass++) {
    const t0 = now();
    for (let i = 0; i < iterations; i++) sink = step(i);
    elapsed = now() - t0;
  }
  if (sink === Symbol.for('never')) console.log(sink); // keeps the result alive
  return (elapsed * 1e6) / iterations;
}

// Measures each step; `scale` (0..1] shortens the run for small profiles.
export function measureStepCosts(scale = 1): StepCosts {
  const n = Math.max(1000, Math.round(ITERATIONS * scale));
  const literal = (i: number): object => ({ seq: i, pid: i & 1023, code: 0, signal: null, status: 0, coreDumped: false, outcome: 'reaped', timestamp: 0 });
  const cache = new Map<number, number>();
  return {
    clockRead: nsPer(() => performance.now(), n),
    dateNow: nsPer(() => Date.now(), n),
    freeze: Math.max(0, nsPer((i) => Object.freeze(literal(i)), n) - nsPer(literal, n)),
    cacheUpdate: nsPer((i) => {
      const key = i & (CACHE_KEYS - 1);
      cache.delete(key);
      return cache.set(key, i);
    }, n),
  };
}
