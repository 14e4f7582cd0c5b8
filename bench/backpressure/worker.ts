// The scenario's child process: becomes a child subreaper (so it must not be
// the runner or a vitest worker) and runs, in this one process, exitmon with
// the fast subscribers only (the baseline), with the async slow subscribers,
// and with every subscriber, in rotated rounds; then the bounded baseline with
// the slow readers and with every subscriber. Writes one merged RunReport per
// configuration as JSON to the file named on the command line.
// usage: node --expose-gc --import tsx worker.ts PROFILE OUT_FILE BURST ZSAMPLE
import { writeFileSync } from 'node:fs';
import { ExitMonitor, Reaper } from '../../src/index.js';
import { collectGarbage } from '../lib/timing.js';
import type { Profile } from '../lib/types.js';
import { runBounded } from './bounded-run.js';
import { runExitmon } from './exitmon-run.js';
import { mergeRounds } from './rounds.js';
import type { RunContext } from './run-context.js';
import type { RoundResult, RunReport } from './run-types.js';
import { RUNS, type RunSpec } from './runs.js';
import { backpressureSizes } from './sizes.js';

// Runs one round of one configuration, logging a line unless quiet.
async function runOne(ctx: RunContext, spec: RunSpec): Promise<RoundResult> {
  collectGarbage();
  const result = await (spec.design === 'exitmon' ? runExitmon : runBounded)(ctx, spec.id, spec.subject, spec.kinds);
  const r = result.report;
  if (!ctx.quiet) {
    console.log(
      `  · ${spec.subject}: ${(r.durationMs / 1000).toFixed(1)} s, exit→reap p50/p99 ${r.reap.p50Ms.toFixed(2)}/${r.reap.p99Ms.toFixed(2)} ms, ` +
        `fast p99 ${r.fast.p99Ms.toFixed(2)} ms, zombies ≤ ${r.zombies.max}`,
    );
  }
  return result;
}

// Runs every configuration (exitmon ones in rotated rounds) and merges rounds.
async function runAll(ctx: RunContext): Promise<RunReport[]> {
  const rounds = new Map<string, RoundResult[]>(RUNS.map((spec) => [spec.id, []]));
  const rotating = RUNS.filter((spec) => spec.design === 'exitmon');
  for (let round = 0; round < ctx.sizes.rounds; round++) {
    for (let k = 0; k < rotating.length; k++) {
      const spec = rotating[(k + round) % rotating.length]!;
      rounds.get(spec.id)!.push(await runOne(ctx, spec));
    }
  }
  for (const spec of RUNS.filter((s) => s.design === 'bounded')) rounds.get(spec.id)!.push(await runOne(ctx, spec));
  return RUNS.map((spec) => mergeRounds(rounds.get(spec.id)!));
}

// Entry: holds the subreaper role for the whole worker and writes the reports.
async function main(): Promise<void> {
  const [profile, outFile, burst, zsample] = process.argv.slice(2) as [Profile, string, string, string];
  const ctx: RunContext = { helpers: { burst, zsample }, sizes: backpressureSizes(profile), quiet: profile === 'tiny' };
  // Holds PR_SET_CHILD_SUBREAPER without adopting, so orphans come here during
  // the bounded runs too, when no exitmon reaper adopts them.
  const holder = new Reaper(new ExitMonitor());
  if (!holder.becomeSubreaper({ adoptOrphans: false })) throw new Error('Expected to become a child subreaper');
  const reports = await runAll(ctx);
  holder.close();
  holder.monitor.close();
  writeFileSync(outFile, JSON.stringify(reports));
}

await main();
