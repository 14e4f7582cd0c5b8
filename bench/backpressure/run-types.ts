// What one run (exitmon or the bounded baseline, with one set of subscribers)
// reports back from the worker, and the helpers that build it.
import type { RecordableHistogram } from 'node:perf_hooks';
import { nanosecondHistogram, recordMs, toSeries } from '../lib/latency.js';
import type { LatencySeries } from '../lib/types.js';
import type { SlowKinds } from './consumers.js';
import type { SeqVerdict } from './seq-check.js';
import type { ProbeExit } from './stamps.js';
import { orphansPerRun, type BackpressureSizes } from './sizes.js';
import type { ZombieCensus } from './zombies.js';

/** A latency distribution reduced for transport: series (µs) plus headline ms. */
export interface LatencySummary {
  series: LatencySeries;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  count: number;
}

/** One run's figures. */
export interface RunReport {
  /** Stable id, e.g. `exitmon-all`. */
  id: string;
  /** Human label, e.g. `exitmon, all slow subscribers`. */
  subject: string;
  design: 'exitmon' | 'bounded';
  kinds: SlowKinds;
  syntheticPlanned: number;
  syntheticPublished: number;
  orphansExpected: number;
  orphansExited: number;
  orphansReaped: number;
  /** Orphans still zombies when the run ended (bounded baseline only; exitmon waits for all). */
  unreapedAtEnd: number;
  /** The burst process reported a failed fork. */
  churnFailed: boolean;
  /** exit (probe's CLOCK_MONOTONIC before _exit) → reap; unreaped ones count at their age at the end. */
  reap: LatencySummary;
  /** publish → fast listener; deliveries still owed at the end count at their age then. */
  fast: LatencySummary;
  fastCensored: number;
  zombies: ZombieCensus;
  heapBeforeBytes: number;
  heapPeakBytes: number;
  /** Time in GC pauses during the run, ms (sum and longest). */
  gcPauseMs: number;
  gcMaxPauseMs: number;
  /** Heap growth after a full GC at the end of the run / events the never-reading subscriber buffered. */
  bytesPerBufferedEvent?: number;
  bufferedEvents?: number;
  /** Per subscriber, after draining everything (exitmon runs). */
  seq?: { name: string; verdict: SeqVerdict }[];
  drainMs?: number;
  durationMs: number;
  /** p99s of the single rounds before merging, ms: the run-to-run noise. */
  reapP99Rounds?: number[];
  fastP99Rounds?: number[];
}

/** One round of one configuration, with its raw histograms for merging. */
export interface RoundResult {
  report: RunReport;
  reapHistogram: RecordableHistogram;
  fastHistogram: RecordableHistogram;
}

// Summarises a histogram for the report.
export function summarize(subject: string, histogram: RecordableHistogram): LatencySummary {
  const series = toSeries(subject, histogram);
  const count = histogram.count;
  return {
    series,
    p50Ms: count === 0 ? 0 : histogram.percentile(50) / 1e6,
    p99Ms: count === 0 ? 0 : histogram.percentile(99) / 1e6,
    maxMs: count === 0 ? 0 : histogram.max / 1e6,
    count,
  };
}

/** Exit→reap latencies of one run. */
export interface ReapJoin {
  histogram: RecordableHistogram;
  reaped: number;
  unreaped: number;
}

// Pairs each probe's exit with its reap (per pid, in time order, so a reused
// pid pairs correctly); an exit never reaped counts at its age at `endMs`.
export function joinReaps(exits: readonly ProbeExit[], reaps: ReadonlyMap<number, number[]>, endMs: number): ReapJoin {
  const histogram = nanosecondHistogram();
  const byPid = new Map<number, number[]>();
  for (const exit of exits) {
    const list = byPid.get(exit.pid) ?? [];
    list.push(exit.exitMs);
    byPid.set(exit.pid, list);
  }
  let reaped = 0;
  let unreaped = 0;
  for (const [pid, exitTimes] of byPid) {
    exitTimes.sort((a, b) => a - b);
    const reapTimes = reaps.get(pid) ?? [];
    exitTimes.forEach((exitMs, i) => {
      const reapMs = reapTimes[i];
      if (reapMs === undefined) unreaped++;
      else reaped++;
      recordMs(histogram, (reapMs ?? endMs) - exitMs);
    });
  }
  return { histogram, reaped, unreaped };
}

// Records a reap in a pid → reap times map.
export function noteReap(reaps: Map<number, number[]>, pid: number, reapedMs: number): void {
  const list = reaps.get(pid);
  if (list === undefined) reaps.set(pid, [reapedMs]);
  else list.push(reapedMs);
}

/** What both designs measured in one run, as the inputs of `commonReport`. */
export interface RunFigures {
  id: string;
  subject: string;
  design: RunReport['design'];
  kinds: SlowKinds;
  sizes: BackpressureSizes;
  published: number;
  exits: readonly ProbeExit[];
  join: ReapJoin;
  churnFailed: boolean;
  consumers: { readonly fastLatency: RecordableHistogram; readonly censored: number };
  zombies: ZombieCensus;
  heapBefore: number;
  heapPeak: number;
  heap: { readonly gcPauseMs: number; readonly gcMaxPauseMs: number };
  started: number;
}

// The report fields every run has, whichever monitor design it measured.
export function commonReport(f: RunFigures): RunReport {
  return {
    id: f.id,
    subject: f.subject,
    design: f.design,
    kinds: f.kinds,
    syntheticPlanned: f.sizes.synthetic,
    syntheticPublished: f.published,
    orphansExpected: orphansPerRun(f.sizes),
    orphansExited: f.exits.length,
    orphansReaped: f.join.reaped,
    unreapedAtEnd: f.join.unreaped,
    churnFailed: f.churnFailed,
    reap: summarize(f.subject, f.join.histogram),
    fast: summarize(f.subject, f.consumers.fastLatency),
    fastCensored: f.consumers.censored,
    zombies: f.zombies,
    heapBeforeBytes: f.heapBefore,
    heapPeakBytes: f.heapPeak,
    gcPauseMs: f.heap.gcPauseMs,
    gcMaxPauseMs: f.heap.gcMaxPauseMs,
    durationMs: performance.now() - f.started,
  };
}
