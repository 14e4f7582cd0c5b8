// Real process churn: every burstEveryMs a `burst` process is spawned; it forks
// burstSize probes and exits at once, so the probes are re-parented to this
// worker (a child subreaper) and exit as orphans over burstSpreadMs. The
// schedule is open-loop: it never waits for reaping, as real exits do not.
import { spawn } from 'node:child_process';
import type { SlotFile } from './stamps.js';

/** What runChurn needs. */
export interface ChurnPlan {
  burstBinary: string;
  slots: SlotFile;
  burstSize: number;
  burstEveryMs: number;
  burstSpreadMs: number;
  runMs: number;
}

/** What the churn did. */
export interface ChurnOutcome {
  bursts: number;
  failedBursts: number;
}

// Spawns one burst; resolves true when it exited cleanly.
function startBurst(plan: ChurnPlan, firstSlot: number): Promise<boolean> {
  return new Promise((resolve) => {
    const args = [plan.slots.path, String(firstSlot), String(plan.burstSize), String(plan.burstSpreadMs)];
    const child = spawn(plan.burstBinary, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

// Runs the schedule for runMs; resolves once every burst process has exited
// (its orphans may still be running).
export async function runChurn(plan: ChurnPlan): Promise<ChurnOutcome> {
  const total = Math.min(Math.ceil(plan.runMs / plan.burstEveryMs), Math.floor(plan.slots.slots / plan.burstSize));
  const exits: Promise<boolean>[] = [];
  const t0 = performance.now();
  await new Promise<void>((done) => {
    // Each tick starts every burst that is due, so a blocked loop catches up.
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - t0) / plan.burstEveryMs) + 1);
      while (exits.length < due) exits.push(startBurst(plan, exits.length * plan.burstSize));
      if (exits.length >= total) done();
      else setTimeout(tick, t0 + exits.length * plan.burstEveryMs - performance.now());
    };
    tick();
  });
  const results = await Promise.all(exits);
  return { bursts: results.length, failedBursts: results.filter((ok) => !ok).length };
}
