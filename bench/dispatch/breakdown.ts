// Prices the per-event steps of exitmon's publish→delivery path that the
// synchronous emitters do not have, so a missed throughput goal comes with
// its cause measured on the same machine, in the same run.
import { now } from '../lib/timing.js';

/** Iterations per micro-measurement. */
const ITERATIONS = 2_000_000;
/** Slots of the ring the stores cycle through, like the default recent-exits cache. */
const RING_SLOTS = 1024;

/** Nanoseconds per operation of each step. */
export interface StepCosts {
  clockRead: number;
  dateNow: number;
  freeze: number;
  /** One store into the recent-exits ring (what RecentExits.remember does per publish). */
  ringStore: number;
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
  const ring = new Array<object | undefined>(RING_SLOTS).fill(undefined);
  const item = {};
  return {
    clockRead: nsPer(() => performance.now(), n),
    dateNow: nsPer(() => Date.now(), n),
    freeze: Math.max(0, nsPer((i) => Object.freeze(literal(i)), n) - nsPer(literal, n)),
    ringStore: nsPer((i) => (ring[i & (RING_SLOTS - 1)] = item), n),
  };
}
