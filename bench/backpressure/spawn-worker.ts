// Runs worker.ts in a child Node process and returns its reports: the worker
// becomes a child subreaper, which must not happen to the runner or to a
// vitest worker that runs other tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_DIR, ROOT } from '../lib/paths.js';
import type { Profile } from '../lib/types.js';
import type { Helpers } from './build.js';
import type { RunReport } from './run-types.js';

const WORKER = path.join(BENCH_DIR, 'backpressure', 'worker.ts');

// Spawns the worker for `profile` and parses what it wrote.
export async function runWorker(profile: Profile, helpers: Helpers): Promise<RunReport[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'exitmon-bp-'));
  const outFile = path.join(dir, 'reports.json');
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const args = ['--expose-gc', '--import', 'tsx', WORKER, profile, outFile, helpers.burst, helpers.zsample];
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(c ?? (signal === null ? 1 : 128)));
    });
    if (code !== 0) throw new Error(`The backpressure worker failed with exit code ${code}`);
    return JSON.parse(readFileSync(outFile, 'utf8')) as RunReport[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
