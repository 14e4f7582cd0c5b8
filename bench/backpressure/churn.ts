// Real process churn: one `burst` process (burst.c) runs the open-loop
// schedule outside this event loop: every burstEveryMs it makes burstSize
// orphans that are re-parented to this worker (a child subreaper) and exit
// over burstSpreadMs.
import { spawn } from 'node:child_process';
import type { SlotFile } from './stamps.js';

/** What runChurn needs. */
export interface ChurnPlan {
  burstBinary: string;
  slots: SlotFile;
  bursts: number;
  burstSize: number;
  burstEveryMs: number;
  burstSpreadMs: number;
}

/** What the churn did. */
export interface ChurnOutcome {
  bursts: number;
  /** True when burst reported a failed fork (some slots stay empty). */
  failed: boolean;
}

// Starts the schedule; resolves when the burst process has made every orphan
// (the last ones may still be running).
export function runChurn(plan: ChurnPlan): Promise<ChurnOutcome> {
  return new Promise((resolve) => {
    const args = [plan.slots.path, plan.bursts, plan.burstSize, plan.burstEveryMs, plan.burstSpreadMs].map(String);
    const child = spawn(plan.burstBinary, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', () => resolve({ bursts: plan.bursts, failed: true }));
    child.on('exit', (code) => resolve({ bursts: plan.bursts, failed: code !== 0 }));
  });
}
