// Timing helpers shared by scenarios: a monotonic clock, yielding to the event
// loop, medians, and interleaved rounds so that baselines and exitmon share
// the same noise (thermal state, neighbours on a shared machine, GC).
import { setImmediate as yieldImmediate } from 'node:timers/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Monotonic milliseconds with sub-µs resolution. */
export const now = (): number => performance.now();

// Lets one macrotask turn pass (after the dispatcher's own setImmediate).
export function nextMacrotask(): Promise<void> {
  return yieldImmediate() as Promise<void>;
}

// Nearest-rank percentile (p in 0–100) of a list; NaN when it is empty.
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// The median of a non-empty list (mean of the middle two for even lengths).
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('Expected at least one value, got none');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One contender of an interleaved comparison: returns one sample (e.g. ms or events/s). */
export interface Contender {
  subject: string;
  measure(): Promise<number>;
}

/** Options of `interleave`. */
export interface InterleaveOptions {
  /** Measured rounds; the median is reported. */
  rounds: number;
  /** Unmeasured rounds first, so every contender is optimized before it counts. @default 1 */
  warmups?: number;
  /**
   * Full GC before each sample. Turn it off when a large live heap (e.g. 100k
   * subscriptions) makes each full GC cost more than the sample. @default true
   */
  gc?: boolean;
}

// Runs every contender once per round, rotating who goes first, and returns
// the samples per subject. A gc() before each sample keeps one contender's
// garbage from being collected on the next one's clock.
export async function interleave(contenders: readonly Contender[], options: InterleaveOptions): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.subject, []]));
  const warmups = options.warmups ?? 1;
  for (let round = 0; round < warmups + options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const contender = contenders[(k + round) % contenders.length] as Contender;
      if (options.gc !== false) collectGarbage();
      await nextMacrotask();
      const sample = await contender.measure();
      if (round >= warmups) samples.get(contender.subject)?.push(sample);
    }
  }
  return samples;
}

// Medians of interleave()'s samples.
export function medians(samples: Map<string, number[]>): Map<string, number> {
  return new Map([...samples].map(([subject, values]) => [subject, median(values)]));
}

let gcFunction: (() => void) | undefined;

// The gc() of --expose-gc (npm run bench passes it); elsewhere (vitest) the
// flag is switched on at run time and gc() taken from a fresh context.
function findGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

// Full garbage collection, twice: the second pass collects what the first
// one's finalizers released.
export function collectGarbage(): void {
  gcFunction ??= findGc();
  gcFunction();
  gcFunction();
}
