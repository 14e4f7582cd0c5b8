// Benchmark runner: `npm run bench [-- --full] [-- NAME…]`. Discovers
// bench/*.bench.ts, runs each scenario in its own child process (so one
// scenario's heap, JIT state or process-wide settings such as the subreaper
// flag cannot skew the next), writes bench/results/<name>.json and
// regenerates docs/benchmarks.md from every result present.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, type RunArgs } from './lib/args.js';
import { loadScenario, scenarioNames } from './lib/discover.js';
import { generateDocs } from './lib/docs.js';
import { executeScenario } from './lib/execute.js';
import { formatNumber } from './lib/format.js';
import { writeRecord } from './lib/results.js';
import type { Profile } from './lib/types.js';

const SELF = fileURLToPath(import.meta.url);

// Child mode: run exactly one scenario here and write its record.
async function runChild(name: string, profile: Profile): Promise<void> {
  const scenario = await loadScenario(name);
  const record = await executeScenario(scenario, profile);
  const file = writeRecord(record);
  for (const m of record.metrics) {
    const ratio = m.ratio === undefined ? '' : `  (${formatNumber(m.ratio)}× ${m.baseline})`;
    const met = m.met === undefined ? '' : m.met ? '  goal met' : '  GOAL MISSED';
    console.log(`  ${m.name} · ${m.subject}: ${formatNumber(m.value)} ${m.unit}${ratio}${met}`);
  }
  console.log(`  → ${file} (${formatNumber(record.durationMs / 1000)} s)`);
}

// Spawns this file in child mode for one scenario; resolves with its exit code.
function spawnChild(name: string, profile: Profile): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, SELF, '--child', `--${profile}`, name], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

// Parent mode: pick scenarios, run each isolated, regenerate the docs after each.
async function runAll(args: RunArgs): Promise<number> {
  const available = scenarioNames();
  const unknown = args.names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    console.error(`bench: unknown scenario ${unknown.join(', ')}; available: ${available.join(', ')}`);
    return 2;
  }
  const names = args.names.length > 0 ? args.names : available;
  const t0 = performance.now();
  let failures = 0;
  for (const name of names) {
    console.log(`bench: ${name} (${args.profile})`);
    const code = await spawnChild(name, args.profile);
    if (code !== 0) {
      failures++;
      console.error(`bench: ${name} failed with exit code ${code}; its previous result (if any) is kept`);
    }
    generateDocs();
  }
  console.log(`bench: ${names.length - failures}/${names.length} scenarios in ${formatNumber((performance.now() - t0) / 1000)} s; docs/benchmarks.md regenerated`);
  return failures === 0 ? 0 : 1;
}

// Entry point.
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.docsOnly) {
    console.log(`bench: wrote ${generateDocs()}`);
    return;
  }
  if (args.child) {
    const [name] = args.names;
    if (name === undefined || args.names.length !== 1) throw new RangeError('Expected exactly one scenario name with --child');
    return runChild(name, args.profile);
  }
  process.exitCode = await runAll(args);
}

await main();
