// Signal forwarding: SIGTERM sent to a supervisor → the command's SIGTERM
// handler runs, for `exitmon run`, tini, dumb-init and no supervisor at all
// (issue 12, item 5). The C harness bench/native/sigfwd.c takes both times on
// CLOCK_MONOTONIC.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { nanosecondHistogram, percentileOf, toSeries } from './lib/latency.js';
import { nativeProgram } from './lib/native.js';
import { ROOT } from './lib/paths.js';
import { section } from './lib/progress.js';
import type { LatencySeries, Metric, Profile, Scenario } from './lib/types.js';

/** exitmon's p50 must not exceed tini's p50 times this. */
const TINI_GOAL = 1.5;
const CLI = path.join(ROOT, 'dist/cli/main.js');
const NONE = 'no supervisor';
const EXITMON = 'exitmon run';
const TINI = 'tini';

/** Measured rounds and unmeasured warm-ups per subject and pass; passes rotate the subjects' order. */
const SIZES: Record<Profile, { passes: number; rounds: number; warmups: number }> = {
  tiny: { passes: 1, rounds: 10, warmups: 2 },
  quick: { passes: 4, rounds: 100, warmups: 20 },
  full: { passes: 10, rounds: 200, warmups: 20 },
};

// How each subject starts the target: the supervisor's argv before it (tini -s: a subreaper, since not PID 1).
const SUBJECTS: { subject: string; argv: string[]; binary?: string }[] = [
  { subject: NONE, argv: [] },
  { subject: TINI, argv: ['tini', '-s', '--'], binary: 'tini' },
  { subject: 'dumb-init', argv: ['dumb-init', '--'], binary: 'dumb-init' },
  { subject: EXITMON, argv: [process.execPath, CLI, 'run', '--quiet', '--'] },
];

export const scenario: Scenario = {
  name: 'signal-forwarding',
  title: 'Signal forwarding: SIGTERM to the supervisor → the command’s handler',
  goalSummary: `\`exitmon run\` forwards SIGTERM to the command's handler with a p50 ≤ ${TINI_GOAL}× tini's, measured in one run.`,
  async run(profile) {
    const sizes = SIZES[profile];
    const harness = nativeProgram('sigfwd');
    const present = SUBJECTS.filter((s) => s.binary === undefined || onPath(s.binary));
    const missing = SUBJECTS.filter((s) => !present.includes(s)).map((s) => s.subject);
    const series = await section('forwarding', profile === 'tiny', async () => measure(harness, present, sizes));
    const metrics = metricsOf(series);
    const notes = [
      `**Method.** bench/native/sigfwd.c starts \`SUPERVISOR… sigfwd --target\` with the target's stdout on a pipe; per round it ` +
        `sleeps 2 ms, reads CLOCK_MONOTONIC, sends SIGTERM to the supervisor (to the target itself for "${NONE}"), and reads ` +
        `the CLOCK_MONOTONIC the target's handler wrote. ${sizes.passes} passes of ${sizes.rounds} rounds (after ${sizes.warmups} ` +
        `warm-ups) per subject, the subjects' order rotating per pass. exitmon forwards from a C signal handler (exitmon.c), ` +
        `not from a JavaScript listener; tini and dumb-init from their main loops (sigtimedwait, read on a signalfd).`,
      ...(missing.length > 0 ? [`Not measured (not installed): ${missing.join(', ')}.`] : []),
    ];
    return { metrics, distributions: [{ metric: 'sigterm', title: 'SIGTERM → handler latency', unit: 'µs' as const, series }], notes };
  },
};

// True when `name` is an executable on PATH.
function onPath(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Runs every subject in rotating passes; one series (µs) per subject.
async function measure(harness: string, subjects: typeof SUBJECTS, sizes: { passes: number; rounds: number; warmups: number }): Promise<LatencySeries[]> {
  const histograms = new Map(subjects.map((s) => [s.subject, nanosecondHistogram()]));
  for (let pass = 0; pass < sizes.passes; pass++) {
    for (let k = 0; k < subjects.length; k++) {
      const { subject, argv } = subjects[(k + pass) % subjects.length]!;
      const out = execFileSync(harness, [String(sizes.rounds), String(sizes.warmups), ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      for (const line of out.split('\n')) if (line !== '') histograms.get(subject)!.record(Math.max(1, Number(line)));
    }
  }
  return subjects.map(({ subject }) => toSeries(subject, histograms.get(subject)!));
}

// p50 and p99 per subject, exitmon's ratio to tini (the goal) and to no supervisor.
function metricsOf(series: LatencySeries[]): Metric[] {
  const p50 = (subject: string): number | undefined => {
    const s = series.find((x) => x.subject === subject);
    return s === undefined ? undefined : percentileOf(s, 50);
  };
  const metrics: Metric[] = series.flatMap((s) =>
    [50, 99].map((p) => ({ name: `SIGTERM → handler, p${p}`, subject: s.subject, value: percentileOf(s, p), unit: 'µs', size: s.count })),
  );
  const exitmon = p50(EXITMON);
  const tini = p50(TINI);
  if (exitmon !== undefined && tini !== undefined) {
    const ratio = exitmon / tini;
    metrics.push({ name: 'SIGTERM → handler, p50 vs tini', subject: EXITMON, value: ratio, unit: '×', baseline: TINI, ratio, goal: `≤ ${TINI_GOAL}× tini`, met: ratio <= TINI_GOAL });
  }
  const none = p50(NONE);
  if (exitmon !== undefined && none !== undefined) {
    metrics.push({ name: 'SIGTERM → handler, p50 vs no supervisor', subject: EXITMON, value: exitmon / none, unit: '×', baseline: NONE, ratio: exitmon / none });
  }
  return metrics;
}
