// The five configurations of one backpressure run, in the order they run.
import type { SlowKinds } from './consumers.js';

/** One configuration: which design, which subscribers next to the ten fast ones. */
export interface RunSpec {
  id: RunId;
  subject: string;
  design: 'exitmon' | 'bounded';
  kinds: SlowKinds;
}

export type RunId = 'exitmon-fast' | 'exitmon-async' | 'exitmon-all' | 'bounded-slow' | 'bounded-all';

const FAST_ONLY: SlowKinds = { async: false, sync: false, never: false };
const ASYNC_ONLY: SlowKinds = { async: true, sync: false, never: true };
const EVERY: SlowKinds = { async: true, sync: true, never: true };
const SLOW_READERS: SlowKinds = { async: true, sync: true, never: false };

export const RUNS: readonly RunSpec[] = [
  { id: 'exitmon-fast', subject: 'exitmon, fast only (baseline)', design: 'exitmon', kinds: FAST_ONLY },
  { id: 'exitmon-async', subject: 'exitmon + never-read + async 5 ms', design: 'exitmon', kinds: ASYNC_ONLY },
  { id: 'exitmon-all', subject: 'exitmon + all slow', design: 'exitmon', kinds: EVERY },
  { id: 'bounded-slow', subject: 'bounded-128 + async + sync', design: 'bounded', kinds: SLOW_READERS },
  { id: 'bounded-all', subject: 'bounded-128 + all slow', design: 'bounded', kinds: EVERY },
];
