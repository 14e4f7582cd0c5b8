// Services: `exitmon up` against supervisord on the same workload (issue 13,
// item 5): 20 services in a 4-level DAG, half ignoring SIGTERM, each with
// three grandchildren (one setsid), plus a crashing service. Shutdown wall
// time, survivors, restart latency, manager RSS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/paths.js';
import type { Metric, Profile, Scenario } from './lib/types.js';
import { measureManager, type ManagerRun } from './services/measure.js';
import { servicesOf, writeExitmonConfig, writeSupervisordConfig, type Workload } from './services/workload.js';
import { percentile } from './lib/timing.js';

const CLI = join(ROOT, 'dist/cli/main.js');
const SUPERVISORD = '/usr/bin/supervisord';
const EXITMON = 'exitmon up';
const SUPERVISOR = 'supervisord';
/** Restart latency goal beyond the configured delay, in ms. */
const RESTART_GOAL_MS = 5;

const SIZES: Record<Profile, { workload: Workload; restarts: number }> = {
  tiny: { workload: { levels: 1, perLevel: 2, graceS: 1, restartDelayMs: 10 }, restarts: 1 },
  quick: { workload: { levels: 4, perLevel: 5, graceS: 1, restartDelayMs: 10 }, restarts: 20 },
  full: { workload: { levels: 4, perLevel: 5, graceS: 1, restartDelayMs: 10 }, restarts: 60 },
};

export const scenario: Scenario = {
  name: 'services',
  title: 'Services: exitmon up against supervisord',
  goalSummary:
    `20 services in a 4-level DAG, half ignoring SIGTERM, each with 3 grandchildren (one setsid): exitmon up leaves 0 survivors ` +
    `after a SIGTERM, and restarts a crashed service within p50 ≤ ${RESTART_GOAL_MS} ms + its configured delay. supervisord's figures are reported beside.`,
  async run(profile) {
    const { workload, restarts } = SIZES[profile];
    if (!existsSync(CLI)) {
      const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
    }
    const count = servicesOf(workload).length;
    const runs = new Map<string, ManagerRun>();
    const exitmonDir = mkdtempSync(join(tmpdir(), 'exitmon-bench-services-'));
    try {
      const file = writeExitmonConfig(exitmonDir, workload);
      runs.set(EXITMON, await measureManager([process.execPath, CLI, 'up', '-q', '-f', file], exitmonDir, count, restarts));
    } finally {
      rmSync(exitmonDir, { recursive: true, force: true });
    }
    if (existsSync(SUPERVISORD)) {
      const dir = mkdtempSync(join(tmpdir(), 'exitmon-bench-supervisord-'));
      try {
        const conf = writeSupervisordConfig(dir, workload);
        runs.set(SUPERVISOR, await measureManager([SUPERVISORD, '-n', '-c', conf], dir, count, restarts));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return { metrics: metricsOf(runs, workload, count), notes: notes(workload, count, runs) };
  },
};

function metricsOf(runs: ReadonlyMap<string, ManagerRun>, w: Workload, count: number): Metric[] {
  const metrics: Metric[] = [];
  for (const [subject, run] of runs) {
    const exitmon = subject === EXITMON;
    const delay = exitmon ? w.restartDelayMs : 0;
    const p50 = percentile(run.restartMs, 50);
    const base = exitmon || !runs.has(EXITMON) ? {} : { baseline: EXITMON };
    const ratio = (value: number, pick: (r: ManagerRun) => number): { ratio?: number } => {
      const other = runs.get(EXITMON);
      return exitmon || other === undefined || pick(other) === 0 ? {} : { ratio: value / pick(other) };
    };
    metrics.push(
      { name: 'survivors after SIGTERM', subject, value: run.survivors, unit: 'processes', size: run.processes, ...(exitmon ? { goal: '= 0', met: run.survivors === 0 } : {}), note: `exit status ${run.exitStatus}` },
      { name: 'shutdown wall time', subject, value: run.shutdownMs, unit: 'ms', size: count, ...base, ...ratio(run.shutdownMs, (r) => r.shutdownMs), note: `grace ${w.graceS}s, ${w.levels} levels` },
      {
        name: 'restart latency past the configured delay, p50',
        subject,
        value: p50 - delay,
        unit: 'ms',
        size: run.restartMs.length,
        ...(exitmon ? { goal: `≤ ${RESTART_GOAL_MS} ms`, met: p50 - delay <= RESTART_GOAL_MS } : {}),
        note: `configured delay ${delay} ms`,
      },
      { name: 'restart latency past the configured delay, p99', subject, value: percentile(run.restartMs, 99) - delay, unit: 'ms', size: run.restartMs.length },
      { name: 'manager RSS', subject, value: run.rssKiB / 1024, unit: 'MiB', ...base, ...ratio(run.rssKiB, (r) => r.rssKiB) },
    );
  }
  return metrics;
}

function notes(w: Workload, count: number, runs: ReadonlyMap<string, ManagerRun>): string[] {
  const out = [
    `**Method.** The same workload under each manager (bench/services/): ${count} services in ${w.levels} levels of ${w.perLevel}, ` +
      `each after two services of the level below; every other service ignores SIGTERM (so do its grandchildren, by the ` +
      `inherited SIG_IGN); each starts two sleeps in its group and one with setsid; stop grace ${w.graceS}s everywhere. ` +
      `A crasher service exits 1 every 150 ms: exitmon restarts it after restartDelay ${w.restartDelayMs} ms (restartWindow ` +
      `100 ms, so the backoff never doubles), supervisord with autorestart (no delay once RUNNING, startsecs=0). Restart ` +
      `latency is read from the crasher's own log (bench/native/crasher.c): the µs stamp it writes just before exit 1 to the first stamp of the next ` +
      `instance, minus the configured delay; the figure includes the crasher's exec and dynamic loading. Until 2026-12-01 the crasher was a bash script, ` +
      `whose own start-up (5.8 ms from exec to its first line on the machine of that day) outweighed the supervisor's share. supervisord runs ` +
      `at its best: one [group:] per level with rising priority (it stops groups in reverse priority, one at a time, each ` +
      `group's programs together), stopasgroup and killasgroup on. exitmon up is dist/cli/main.js with -q. After SIGTERM ` +
      `the manager's descendants seen at steady state are checked in /proc; what is alive is a survivor (then killed).`,
  ];
  const sup = runs.get(SUPERVISOR);
  if (sup !== undefined && sup.survivors > 0) {
    out.push(`**Analysis.** supervisord leaves the setsid grandchildren (${sup.survivors}): they are in no group it signals, and it does not look for descendants. exitmon stops each service with stopProcessTree, which follows /proc parent links.`);
  }
  if (sup === undefined) out.push(`supervisord is not installed here (${SUPERVISORD}); only exitmon was measured.`);
  return out;
}
