// The subreaper side of the orphans scenario, in a process of its own
// (subreaper status is per process): Reaper.shared().becomeSubreaper(), start
// bench/native/orphans.c, which forks the orphans and exits, and record when
// each adopted orphan's exit event arrives. Prints an OrphansReport.
import { spawn } from 'node:child_process';
import { Reaper } from '../../src/index.js';
import { orphanScans } from '../../src/sources/reaper-counters.js';
import { zombiesOf } from '../lib/zombies.js';
import { parseJob, type OrphansReport } from './protocol.js';

/** Extra time past the last planned exit before giving up. */
const DEADLINE_SLACK_MS = 5_000;
/** After the last event, how long to let stray exits settle before counting zombies. */
const SETTLE_MS = 100;

// Runs the job and resolves with the report.
async function main(): Promise<OrphansReport> {
  const job = parseJob(process.argv.slice(2));
  const reaper = Reaper.shared();
  if (!reaper.becomeSubreaper()) throw new Error('could not become a child subreaper');
  const woke = new Map<number, bigint>();
  let reaped = 0;
  let makerPid = -1;
  let done: () => void = () => undefined;
  const allIn = new Promise<void>((resolve) => (done = resolve));
  reaper.monitor.subscribe('all', (event) => {
    if (event.pid === makerPid) return; // the maker itself, a node:child_process child
    woke.set(event.pid, process.hrtime.bigint());
    if (event.outcome === 'reaped') reaped++;
    if (woke.size >= job.count) done();
  });
  const maker = spawn(job.maker, [job.slotFile, String(job.count), String(job.spreadMs), String(job.offsetMs)], { stdio: 'inherit' });
  makerPid = maker.pid ?? -1;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    allIn.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), job.offsetMs + job.spreadMs + DEADLINE_SLACK_MS))),
  ]);
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const { adoptedTotal, sweeps } = reaper.stats();
  const scans = orphanScans(reaper);
  const report: OrphansReport = {
    woke: [...woke].map(([pid, ns]) => [pid, ns.toString()]),
    reaped,
    zombies: zombiesOf(process.pid).length,
    adoptedTotal,
    sweeps,
    scans,
    timedOut,
  };
  reaper.close();
  return report;
}

console.log(JSON.stringify(await main()));
