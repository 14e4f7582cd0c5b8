// One monotonic time base for the worker: milliseconds since the worker
// started, on CLOCK_MONOTONIC (process.hrtime), the clock the C probes stamp
// with, so a probe's exit time and our reap time subtract directly.

const ORIGIN_NS = process.hrtime.bigint();

/** Milliseconds since the worker started, on CLOCK_MONOTONIC. */
export function monoMs(): number {
  return Number(process.hrtime.bigint() - ORIGIN_NS) / 1e6;
}

/** A CLOCK_MONOTONIC nanosecond stamp (from a probe or zsample) on the same base. */
export function stampToMs(ns: bigint): number {
  return Number(ns - ORIGIN_NS) / 1e6;
}
