// Merges the rounds of one configuration into one report. exitmon's
// configurations run in rounds, rotated (fast, async, all; then async, all,
// fast; …), so that a noisy neighbour on a shared machine hits them alike.
import { nanosecondHistogram } from '../lib/latency.js';
import { sumVerdicts } from './seq-check.js';
import { summarize, type RoundResult, type RunReport } from './run-types.js';

// Sum of one numeric field over the rounds.
function sum(rounds: readonly RunReport[], pick: (r: RunReport) => number): number {
  return rounds.reduce((total, r) => total + pick(r), 0);
}

// One report for every round of a configuration (histograms merged, counts
// summed, watermarks maxed, per-subscriber verdicts summed).
export function mergeRounds(results: readonly RoundResult[]): RunReport {
  const reports = results.map((r) => r.report);
  const first = reports[0];
  if (first === undefined) throw new RangeError('Expected at least one round, got none');
  const reap = nanosecondHistogram();
  const fast = nanosecondHistogram();
  for (const r of results) {
    reap.add(r.reapHistogram);
    fast.add(r.fastHistogram);
  }
  const samples = sum(reports, (r) => r.zombies.samples);
  const perEvent = reports.map((r) => r.bytesPerBufferedEvent).filter((v): v is number => v !== undefined);
  return {
    ...first,
    syntheticPlanned: sum(reports, (r) => r.syntheticPlanned),
    syntheticPublished: sum(reports, (r) => r.syntheticPublished),
    orphansExpected: sum(reports, (r) => r.orphansExpected),
    orphansExited: sum(reports, (r) => r.orphansExited),
    orphansReaped: sum(reports, (r) => r.orphansReaped),
    unreapedAtEnd: sum(reports, (r) => r.unreapedAtEnd),
    churnFailed: reports.some((r) => r.churnFailed),
    reap: summarize(first.subject, reap),
    fast: summarize(first.subject, fast),
    fastCensored: sum(reports, (r) => r.fastCensored),
    zombies: {
      samples,
      max: Math.max(...reports.map((r) => r.zombies.max)),
      mean: samples === 0 ? 0 : sum(reports, (r) => r.zombies.mean * r.zombies.samples) / samples,
      last: reports[reports.length - 1]!.zombies.last,
    },
    heapPeakBytes: Math.max(...reports.map((r) => r.heapPeakBytes)),
    gcPauseMs: sum(reports, (r) => r.gcPauseMs),
    gcMaxPauseMs: Math.max(...reports.map((r) => r.gcMaxPauseMs)),
    bytesPerBufferedEvent: perEvent.length === 0 ? undefined : perEvent.reduce((a, b) => a + b, 0) / perEvent.length,
    bufferedEvents: reports.some((r) => r.bufferedEvents !== undefined) ? Math.max(...reports.map((r) => r.bufferedEvents ?? 0)) : undefined,
    seq: first.seq?.map(({ name }, i) => ({ name, verdict: sumVerdicts(reports.map((r) => r.seq![i]!.verdict)) })),
    drainMs: first.drainMs === undefined ? undefined : sum(reports, (r) => r.drainMs ?? 0),
    durationMs: sum(reports, (r) => r.durationMs),
    reapP99Rounds: reports.map((r) => r.reap.p99Ms),
    fastP99Rounds: reports.map((r) => r.fast.p99Ms),
  };
}
