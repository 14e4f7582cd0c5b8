// Issue 10: one liveness rule for all of exitmon. A thread-group leader that
// called pthread_exit() shows 'Z' in /proc while its other threads run: the
// process runs. sources/ said so, process/ said "gone", and stopProcessGroup
// answered alreadyExited: true and left it running.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasExited, isHeldStill, isRunning, readProcessState } from '../../src/proc/liveness.js';
import { readProcStat } from '../../src/proc/stat.js';
import { zombieChildren } from '../../src/proc/tree.js';
import { stopProcessGroup } from '../../src/process/stop.js';
import { FIXTURES, stateOf, waitFor } from '../sources/helpers.js';

const hasCc = process.platform === 'linux' && spawnSync('cc', ['--version']).status === 0;

// The fixture whose main thread calls pthread_exit() while another thread runs for `seconds`.
function startLeaderExits(seconds: number) {
  const binary = join(mkdtempSync(join(tmpdir(), 'exitmon-lv-')), 'leader-exits');
  execFileSync('cc', ['-O2', '-pthread', '-o', binary, FIXTURES + 'sources-leader-exits.c']);
  const child = spawn(binary, [String(seconds)], { stdio: 'ignore', detached: true });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  return { pid: child.pid!, exited };
}

describe.skipIf(!hasCc)('liveness of a zombie thread-group leader with live threads', () => {
  it('is running for src/proc (isRunning, hasExited) and is no zombie child', async () => {
    const { pid, exited } = startLeaderExits(30);
    try {
      await waitFor(() => stateOf(pid)?.state === 'Z', 'the main thread to exit', 5_000);
      const stat = readProcStat(pid)!;
      expect(stat.state).toBe('zombie');
      expect(stat.threads).toBeGreaterThan(1);
      expect(hasExited(stat)).toBe(false);
      expect(isRunning(pid)).toBe(true);
      // The public state follows the same rule: the state of a live thread, not
      // 'zombie' (that thread sleeps in nanosleep, or runs at the instant of the read).
      expect(['sleeping', 'running']).toContain(readProcessState(pid));
      expect(zombieChildren(process.pid).map((p) => p.pid)).not.toContain(pid);
    } finally {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  });

  // The freeze of a tree stop lists the tree only once its members are held
  // still: a thread left running could be inside fork(2).
  it('is not held still while a thread runs, and is once SIGSTOP stopped every thread', async () => {
    const { pid, exited } = startLeaderExits(30);
    try {
      await waitFor(() => stateOf(pid)?.state === 'Z', 'the main thread to exit', 5_000);
      expect(isHeldStill(readProcStat(pid)!)).toBe(false);
      process.kill(pid, 'SIGSTOP');
      await waitFor(() => isHeldStill(readProcStat(pid)!), 'every thread stopped', 5_000);
      process.kill(pid, 'SIGCONT');
      await waitFor(() => !isHeldStill(readProcStat(pid)!), 'a thread running again', 5_000);
    } finally {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  });

  it('stopProcessGroup stops it instead of answering alreadyExited: true', async () => {
    const { pid, exited } = startLeaderExits(30);
    await waitFor(() => stateOf(pid)?.state === 'Z', 'the main thread to exit', 5_000);
    const result = await stopProcessGroup(pid, { graceMs: 200 });
    expect(result.alreadyExited).toBe(false);
    expect(await exited).toEqual([null, 'SIGTERM']);
  });
});
