// Latency recording with perf_hooks histograms (HDR, nanosecond integers) and
// their reduction to percentile points for tables, JSON and CDF charts.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { LatencySeries } from './types.js';

/** Percentiles kept per series: dense near the tail, where the story is. */
export const CHART_PERCENTILES: readonly number[] = [
  0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100,
];

// A histogram for values in nanoseconds (1 ns .. ~1 h, 3 significant digits).
export function nanosecondHistogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: 3.6e12, figures: 3 });
}

// Records one latency given in milliseconds (performance.now() deltas).
export function recordMs(histogram: RecordableHistogram, ms: number): void {
  histogram.record(Math.max(1, Math.round(ms * 1e6)));
}

// Reduces a nanosecond histogram to a series in µs.
export function toSeries(subject: string, histogram: RecordableHistogram): LatencySeries {
  const points = CHART_PERCENTILES.map((p): [number, number] => {
    const ns = p === 0 ? histogram.min : p === 100 ? histogram.max : histogram.percentile(p);
    return [p, ns / 1e3];
  });
  return { subject, points, count: histogram.count };
}

// The value of a series at percentile p (one of CHART_PERCENTILES).
export function percentileOf(series: LatencySeries, p: number): number {
  const point = series.points.find(([q]) => q === p);
  if (point === undefined) throw new RangeError(`Expected one of ${CHART_PERCENTILES.join(', ')}, got \`${p}\``);
  return point[1];
}
