// Contained stop: a tree of processes started in its own cgroup
// (`spawn(…, { cgroup: true })`), half of it ignoring SIGTERM, stopped with a
// 200 ms grace: how long past the grace the stop takes (cgroup.kill, then
// `populated 0` from cgroup.events) and whether anything survives (issue 12).
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from '../src/index.js';
import { probeCgroupBase } from '../src/process/cgroup-base.js';
import { section } from './lib/progress.js';
import type { Metric, Profile, Scenario } from './lib/types.js';
import { percentile } from './lib/timing.js';

const SUBJECT = 'exitmon spawn({ cgroup: true }).stop()';
const FLOOR = 'kernel floor: SIGTERM, grace, cgroup.kill, busy poll';
/** Time past the grace, p50, in ms. */
const PAST_GRACE_GOAL_MS = 10;
const SURVIVOR_GOAL = 0;
const GRACE_MS = 200;
const READY_TIMEOUT_MS = 30_000;

/** Processes per tree (half ignore SIGTERM) and trees stopped one after another, per profile. */
const SIZES: Record<Profile, { processes: number; rounds: number }> = {
  tiny: { processes: 10, rounds: 1 },
  quick: { processes: 100, rounds: 5 },
  full: { processes: 100, rounds: 15 },
};

// Starts one tree: sh forks `processes` sleepers, every other one with SIGTERM ignored.
async function startTree(processes: number): Promise<ReturnType<typeof spawn>> {
  const script = `i=0; while [ $i -lt ${processes / 2} ]; do sleep 1000 & sh -c 'trap "" TERM; exec sleep 1000' & i=$((i+1)); done; wait`;
  const p = spawn('sh', ['-c', script], { cgroup: true, stdio: 'ignore' });
  const until = performance.now() + READY_TIMEOUT_MS;
  // Ready when all of them are in the cgroup, each sleeper already exec'd (its SIGTERM disposition final).
  const ready = (): boolean => {
    const pids = readFileSync(`${p.cgroup}/cgroup.procs`, 'utf8').split('\n').filter(Boolean);
    if (pids.length < processes + 1) return false;
    return pids.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
      } catch {
        return false;
      }
    }).length >= processes;
  };
  while (!ready()) {
    if (performance.now() > until) throw new Error('contained-stop: the tree did not start in time');
    await new Promise((r) => setTimeout(r, 20));
  }
  return p;
}

// The kernel's share of the same stop, without exitmon: SIGTERM to every pid
// of the tree's cgroup, the same grace, then cgroup.kill and cgroup.events
// read in a busy loop until \`populated 0\`. Returns ms from the kill to then:
// what killing and tearing down the SIGTERM-ignoring half costs this kernel.
async function kernelFloor(processes: number): Promise<number> {
  const p = await startTree(processes);
  const cgroup = p.cgroup!;
  for (const pid of readFileSync(`${cgroup}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  await new Promise((r) => setTimeout(r, GRACE_MS));
  const start = performance.now();
  writeFileSync(`${cgroup}/cgroup.kill`, '1');
  while (!readFileSync(`${cgroup}/cgroup.events`, 'utf8').includes('populated 0')) {
    // Busy: the floor, not a way to wait.
  }
  const took = performance.now() - start;
  await p.exited;
  return took;
}

export const scenario: Scenario = {
  name: 'contained-stop',
  title: 'Contained stop: a process tree in its own cgroup',
  goalSummary: `Stopping a contained tree of 100 processes, half ignoring SIGTERM, with a ${GRACE_MS} ms grace: time past the grace p50 ≤ ${PAST_GRACE_GOAL_MS} ms, ${SURVIVOR_GOAL} survivors.`,
  async run(profile) {
    const { processes, rounds } = SIZES[profile];
    const probe = probeCgroupBase();
    if (probe.base === null) {
      const skipped: Metric = { name: 'skipped: no writable cgroup v2', subject: SUBJECT, value: 0, unit: 'processes' };
      return { metrics: [skipped], notes: [`**Skipped.** No writable cgroup v2 here: ${probe.reason}.`] };
    }
    const past: number[] = [];
    const floor: number[] = [];
    let survivors = 0;
    let forced = 0;
    await section('contained stop', profile === 'tiny', async () => {
      for (let round = 0; round < rounds; round++) {
        const p = await startTree(processes);
        const result = await p.stop({ graceMs: GRACE_MS });
        past.push(result.durationMs - GRACE_MS);
        survivors += result.survivors.length;
        if (result.forced) forced++;
        await p.exited;
        floor.push(await kernelFloor(processes));
      }
    });
    const p50 = percentile(past, 50);
    const floorP50 = percentile(floor, 50);
    const metrics: Metric[] = [
      { name: 'time past the grace, p50', subject: SUBJECT, value: p50, unit: 'ms', size: rounds, goal: `≤ ${PAST_GRACE_GOAL_MS} ms`, met: p50 <= PAST_GRACE_GOAL_MS, note: `${forced}/${rounds} forced`,
        ...(p50 > PAST_GRACE_GOAL_MS && floorP50 > PAST_GRACE_GOAL_MS ? { cause: `the kernel alone takes ${floorP50.toFixed(1)} ms here` } : {}) },
      { name: 'time past the grace, p99', subject: SUBJECT, value: percentile(past, 99), unit: 'ms', size: rounds },
      { name: 'time past the grace, p50', subject: FLOOR, value: floorP50, unit: 'ms', size: rounds },
      { name: 'time past the grace, p50, vs the kernel floor', subject: SUBJECT, value: p50, unit: 'ms', size: rounds, baseline: FLOOR, ratio: p50 / floorP50 },
      { name: 'survivors', subject: SUBJECT, value: survivors, unit: 'processes', size: rounds * (processes + 1), goal: `= ${SURVIVOR_GOAL}`, met: survivors === SURVIVOR_GOAL },
    ];
    return {
      metrics,
      notes: [
        `**Method.** Each round starts \`sh\` with \`spawn(…, { cgroup: true })\` (clone3 CLONE_INTO_CGROUP into a fresh cgroup ` +
          `under ${probe.base}); it forks ${processes} sleepers, every other one with SIGTERM ignored, and the stop begins once all ` +
          `of them have exec'd. \`stop({ graceMs: ${GRACE_MS} })\` sends SIGTERM to the group and to every pid of cgroup.procs, ` +
          `waits for \`populated 0\` in cgroup.events (inotify, plus polls backing off from 1 to 20 ms), then writes ` +
          `\`cgroup.kill\` and waits for \`populated 0\` again. The figure is durationMs − graceMs; survivors are what the stop ` +
          `reports left in the cgroup. ${rounds} round(s), one at a time. *${FLOOR}*: after each round, the same tree in a ` +
          `cgroup of its own gets SIGTERM on every pid of cgroup.procs from this process, the same grace, then \`cgroup.kill\`, ` +
          `and cgroup.events is read in a busy loop until \`populated 0\`: the time from the kill to then is what this kernel ` +
          `takes to kill and tear down the processes that outlived the grace, with no supervisor in the way.`,
      ],
    };
  },
};
