// Process-level behaviour that needs a fresh process: exiting by itself, and
// falling back to polling when file descriptors run out.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/load.js';
import { FIXTURES } from './helpers.js';

const native = process.platform === 'linux' && loadNative() !== null;

// Runs a fixture through `sh -c` (for ulimit) with tsx; resolves with its output and duration.
function runScript(script: string, args: string[] = [], prefix = ''): Promise<{ stdout: string; ms: number }> {
  const started = Date.now();
  const command = `${prefix}exec "$0" --import tsx "$@"`;
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command, process.execPath, FIXTURES + script, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, ms: Date.now() - started });
    });
  });
}

describe.skipIf(!native)('Reaper process lifecycle (Linux, native)', () => {
  it('a script that only creates the shared reaper and becomes subreaper exits by itself', async () => {
    const { stdout } = await runScript('sources-subreaper-exits.mjs');
    expect(JSON.parse(stdout)).toEqual({ backend: 'pidfd', became: true });
  });

  it('a pending watch of a long-running process does not keep the process alive', async () => {
    const { stdout } = await runScript('sources-subreaper-exits.mjs', ['watch']);
    const { sleeper } = JSON.parse(stdout) as { sleeper: number };
    expect(sleeper).toBeGreaterThan(0);
    process.kill(sleeper, 'SIGKILL'); // it outlived the script, which is the point
  });

  it('pidfd_open failing with EMFILE falls back to polling that pid and is counted', async () => {
    const { stdout } = await runScript('sources-emfile.mjs', [], 'ulimit -n 64; ');
    const result = JSON.parse(stdout) as { watchError: string | null; outcome: string; stats: { errors: number } };
    expect(result.watchError).toBeNull();
    expect(result.outcome).toBe('unknown');
    expect(result.stats.errors).toBe(1);
  });
});
