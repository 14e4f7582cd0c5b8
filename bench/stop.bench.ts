// Stop: stopProcessGroup on groups of which half ignore SIGTERM, with a short
// grace: how long past the grace a stop takes and whether anything survives
// (issue 4, item 5).
import { fileURLToPath } from 'node:url';
import { nativeProgram } from './lib/native.js';
import { section } from './lib/progress.js';
import type { Metric, Profile, Scenario } from './lib/types.js';
import { runWorker } from './lib/worker.js';
import { jobArgs, type GroupOutcome, type StopJob, type StopReport } from './stop/protocol.js';

/** Members left alive after all stops. */
const SURVIVOR_GOAL = 0;
const GRACE_MS = 200;
const MEMBERS = 10;
const SUBJECT = 'exitmon stopProcessGroup';
const WORKER = fileURLToPath(new URL('./stop/worker.ts', import.meta.url));

/** Groups stopped at once and one by one, members per group, grace, per profile. */
const SIZES: Record<Profile, Omit<StopJob, 'groupBinary'>> = {
  tiny: { groups: 4, sequentialGroups: 2, members: 4, graceMs: 100 },
  quick: { groups: 50, sequentialGroups: 10, members: MEMBERS, graceMs: GRACE_MS },
  full: { groups: 100, sequentialGroups: 20, members: MEMBERS, graceMs: GRACE_MS },
};

export const scenario: Scenario = {
  name: 'stop',
  title: 'Stop: process groups with escalation',
  goalSummary: `Stopping groups of ${MEMBERS}, half of them ignoring SIGTERM, with a ${GRACE_MS} ms grace leaves ${SURVIVOR_GOAL} survivors; the time past the grace is reported.`,
  async run(profile) {
    const job: StopJob = { groupBinary: nativeProgram('group'), ...SIZES[profile] };
    const report = await section('stop', profile === 'tiny', () => runWorker<StopReport>(WORKER, jobArgs(job)));
    const metrics = metricsOf(job, report);
    return { metrics, notes: notes(job, metrics) };
  },
};

// Nearest-rank percentile of a non-empty list.
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// p50/p99 rows of one kind of group in one mode.
function timing(outcomes: GroupOutcome[], job: StopJob, ignoresTerm: boolean, concurrent: boolean): Metric[] {
  const picked = outcomes.filter((o) => o.ignoresTerm === ignoresTerm && o.concurrent === concurrent);
  if (picked.length === 0) return [];
  const mode = concurrent ? `${job.groups} groups at once` : 'one group at a time';
  const values = picked.map((o) => (ignoresTerm ? o.durationMs - job.graceMs : o.durationMs));
  const what = ignoresTerm ? 'SIGTERM ignored: time past the grace' : 'SIGTERM obeyed: stop duration';
  const note = ignoresTerm ? `${picked.filter((o) => o.forced).length}/${picked.length} forced` : undefined;
  return [50, 99].map((p) => ({ name: `${what}, p${p}, ${mode}`, subject: SUBJECT, value: percentile(values, p), unit: 'ms', size: picked.length, note }));
}

// Survivors (goal) and timings.
function metricsOf(job: StopJob, report: StopReport): Metric[] {
  const reported = report.outcomes.reduce((n, o) => n + o.survivors, 0);
  const survivors = Math.max(reported, report.aliveAfter);
  const total = (job.groups + job.sequentialGroups) * job.members;
  return [
    { name: 'survivors', subject: SUBJECT, value: survivors, unit: 'processes', size: total, goal: `= ${SURVIVOR_GOAL}`, met: survivors === SURVIVOR_GOAL, note: `${reported} reported by stop, ${report.aliveAfter} found alive in /proc` },
    ...timing(report.outcomes, job, true, true),
    ...timing(report.outcomes, job, false, true),
    ...timing(report.outcomes, job, true, false),
    ...timing(report.outcomes, job, false, false),
    { name: 'zombies left', subject: SUBJECT, value: report.zombies, unit: 'zombies', size: total, note: 'orphaned members adopted by the worker (subreaper)' },
  ];
}

// Method in words.
function notes(job: StopJob, metrics: Metric[]): string[] {
  const at = (prefix: string): string => {
    const m = metrics.find((x) => x.name.startsWith(prefix));
    return m === undefined ? 'n/a' : `${m.value >= 100 ? Math.round(m.value) : m.value.toPrecision(3)} ms`;
  };
  const together = `${job.groups} groups at once`;
  return [
    `**Method.** A worker process (bench/stop/worker.ts), a child subreaper so that members orphaned by their leader's death ` +
      `are reaped, starts groups of bench/native/group.c: a leader that forks ${job.members - 1} members which pause(); in every ` +
      `other group all members ignore SIGTERM. Each group is started with exitmon's \`spawn()\` (its own group) and stopped ` +
      `with \`stopProcessGroup(pgid, { graceMs: ${job.graceMs} })\`: first ${job.groups} groups at once (a supervisor shutting ` +
      `down; ${job.groups * job.members} processes alive), then ${job.sequentialGroups} one at a time. For groups that ignore ` +
      `SIGTERM the figure is durationMs − graceMs (escalation: full /proc rescan, SIGKILL to every member, verification polls); ` +
      `for the others the whole stop. Survivors are the larger of what stop reported and what an independent /proc scan ` +
      `finds alive in any of the groups at the end.`,
    `**Analysis.** One group at a time, a stop that escalates ends ${at('SIGTERM ignored: time past the grace, p50, one group')} ` +
      `past the grace (p50) and one that is obeyed takes ${at('SIGTERM obeyed: stop duration, p50, one group')}. ${job.groups} at ` +
      `once, the escalating ones end ${at(`SIGTERM ignored: time past the grace, p50, ${together}`)} past the grace (p50; p99 ` +
      `${at(`SIGTERM ignored: time past the grace, p99, ${together}`)}) and the obeyed ones take ` +
      `${at(`SIGTERM obeyed: stop duration, p50, ${together}`)}. No goal is set on these times; the cause is measured: a CPU ` +
      `profile of the worker (\`node --cpu-prof\`, this code) puts 98 % of the time under stopProcessGroup in /proc scans ` +
      `(readProcStat of every /proc/*/stat, synchronous on the event loop). The verification polls of concurrent stops ` +
      `now share one scan (src/process/proc-tree.ts), but the first scan of each stop and the one at escalation are still ` +
      `thorough, one full scan per stop: ${job.groups} full scans at the start and one per escalating group after the ` +
      `grace, each reading the stat files of the ${job.groups * job.members} processes alive, queued one behind another. ` +
      `**Suggested src/process change (not tried):** let the thorough scans of stops that start or escalate in the same ` +
      `loop phase share one fresh listing too (taken after their signals were sent, so it is as recent as each would ` +
      `take on its own).`,
  ];
}
