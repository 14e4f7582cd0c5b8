// What every run shares: the helpers, the sizes, the churn and the zombie
// census around it, and waiting for the reaper to catch up.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Helpers } from './build.js';
import { runChurn, type ChurnOutcome } from './churn.js';
import { orphansPerRun, type BackpressureSizes } from './sizes.js';
import { SlotFile, type ProbeExit } from './stamps.js';
import { ZombieSampler } from './zombies.js';

/** Room in per-seq arrays beyond synthetic publishes and orphans. */
const SEQ_SLACK = 1_024;
/** How often the catch-up wait looks at the slot file, in ms. */
const CATCH_UP_POLL_MS = 10;

/** Shared by every run of one worker. */
export interface RunContext {
  helpers: Helpers;
  sizes: BackpressureSizes;
  quiet: boolean;
}

// Highest seq a run can reach (sizes the per-seq arrays).
export function seqCapacity(sizes: BackpressureSizes): number {
  return sizes.synthetic + orphansPerRun(sizes) + SEQ_SLACK;
}

/** The churn of one run with its slot file and zombie census. */
export class ChurnSession {
  readonly slots: SlotFile;
  readonly sampler: ZombieSampler;
  readonly done: Promise<ChurnOutcome>;
  readonly #burstSize: number;

  constructor(ctx: RunContext, label: string) {
    const { sizes, helpers } = ctx;
    this.#burstSize = sizes.burstSize;
    this.slots = new SlotFile(label, orphansPerRun(sizes));
    this.sampler = new ZombieSampler(helpers.zsample, label, sizes.zombieSampleMs);
    this.done = runChurn({
      burstBinary: helpers.burst,
      slots: this.slots,
      bursts: Math.ceil(sizes.runMs / sizes.burstEveryMs),
      burstSize: sizes.burstSize,
      burstEveryMs: sizes.burstEveryMs,
      burstSpreadMs: sizes.burstSpreadMs,
    });
  }

  // Waits until every probe of the finished churn has exited and been reaped
  // (reaps counted by `reapedCount`), or until `deadline` (performance.now()).
  async catchUp(outcome: ChurnOutcome, reapedCount: () => number, deadline: number): Promise<ProbeExit[]> {
    const expected = outcome.bursts * this.#burstSize;
    for (;;) {
      const exits = this.slots.read();
      if ((exits.length >= expected && reapedCount() >= exits.length) || performance.now() >= deadline) return exits;
      await sleep(CATCH_UP_POLL_MS);
    }
  }
}
