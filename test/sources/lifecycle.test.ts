// Process-level behaviour that needs a fresh process: exiting by itself,
// falling back to polling when file descriptors run out, worker threads,
// uncaught exceptions and PID reuse.
import { execFile, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
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

// Runs a fixture with tsx and returns its exit status, signal, stdout and stderr, whatever they are.
function runRaw(script: string, args: string[] = [], prefix: string[] = []): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const argv = [...prefix, process.execPath, '--import', 'tsx', FIXTURES + script, ...args];
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

// Whether this process may create a pid namespace (root with unshare(1)).
const canUnshare = native && spawnSync('unshare', ['-pf', '--mount-proc', 'true']).status === 0;

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

  // Review finding 1: the addon's uv_close callbacks ran after Node had
  // unloaded the addon at worker exit: SIGSEGV of the whole process.
  it.each(['reaper', 'raw'])('a worker thread that exits with pending watches leaves the process running (%s)', (mode) => {
    const result = runRaw('sources-worker-exit.mjs', [mode]);
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 0, signal: null });
    expect(JSON.parse(result.stdout)).toMatchObject({ mode, workerExit: 0, mainAlive: true });
  });

  // Review finding 5: napi_get_and_clear_last_exception dropped it.
  it('an exception thrown from a nextTick during an exit delivery is an uncaught exception, not swallowed', () => {
    const result = runRaw('sources-uncaught.mjs');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('boom from nextTick');
    expect(result.stdout).not.toContain('swallowed');
  });

  // A refused reap is retried later; by pid, it took the exit of whatever
  // process had reused the pid since someone else reaped the watched one.
  it.skipIf(!canUnshare)('a reap retried through the watch\'s pidfd answers ECHILD and leaves alone the new process that reused the pid', () => {
    const result = runRaw('sources-pidfd-reap-reuse.mjs', [], ['unshare', '-pf', '--mount-proc', '--kill-child']);
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as { A: number; B: number; first: unknown; reused: boolean; throughPidfd: unknown; left: string | null; cleanup: unknown; runtimeReused: boolean; runtimeOwned: unknown; runtimeExit: unknown };
    expect(out.reused).toBe(true);
    expect(out.first).toMatchObject({ pid: out.A, code: 0 });
    expect(out.throughPidfd).toBe(-constants.errno.ECHILD);
    expect(out.left).toBe('Z'); // the new process is still a zombie, its exit untaken
    expect(out.cleanup).toMatchObject({ pid: out.B, code: 3 });
    // Reused by a node:child_process child: ECHILD at once, not EBUSY while that child lives, and its exit stays libuv's.
    expect(out.runtimeReused).toBe(true);
    expect(out.runtimeOwned).toBe(-constants.errno.ECHILD);
    expect(out.runtimeExit).toBe(4);
  });

  // Review finding 3: watch() of a watched pid was a no-op, so the new
  // process got the old exit ('unknown') and its own was lost.
  it.skipIf(!canUnshare)("a spawn() that reuses a watched pid whose exit was not collected yet gets its own exit, not the old one", () => {
    const result = runRaw('sources-pid-reuse.mjs', [], ['unshare', '-pf', '--mount-proc', '--kill-child']);
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as { P: number; reused: boolean; exited: unknown; published: unknown[] };
    expect(out.reused).toBe(true);
    expect(out.exited).toEqual({ pid: out.P, outcome: 'reaped', status: 4 });
    // The old process's exit was published too, once, before the new one's.
    expect(out.published).toEqual([
      { pid: out.P, outcome: 'unknown', status: -1 },
      { pid: out.P, outcome: 'reaped', status: 4 },
    ]);
  });
});
