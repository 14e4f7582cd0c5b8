import { spawn as nodeSpawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isRunning,
  listProcesses,
  ownProcessGroup,
  parseProcStat,
  readProcStat,
  readProcessState,
} from '../../src/process/proc-stat.js';
import { childrenOf, descendantsOf, processesInGroup } from '../../src/process/proc-tree.js';
import { fixture, isLinux, killAll, lineReader, startGroup, track, waitFor } from './helpers.js';

afterEach(killAll);

describe('parseProcStat', () => {
  it('reads the state after the last ")" of the command name', () => {
    const stat = parseProcStat('4242 (x) Z (y) S 7 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0');
    expect(stat).toMatchObject({ pid: 4242, comm: 'x) Z (y', state: 'sleeping', ppid: 7, pgrp: 4242, sid: 4242, startTime: 99 });
  });

  it('maps every documented state letter', () => {
    const letters: Record<string, string> = {
      R: 'running', S: 'sleeping', D: 'disk-sleep', T: 'stopped', t: 'tracing-stop',
      Z: 'zombie', X: 'dead', I: 'idle', W: 'unknown', P: 'unknown', K: 'unknown', '?': 'unknown',
    };
    for (const [letter, state] of Object.entries(letters)) {
      expect(parseProcStat(`5 (a b) ${letter} 1 5 5 0`)?.state).toBe(state);
    }
  });

  it('rejects text that is not a stat line', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('12 no parens')).toBeNull();
  });
});

describe('readProcessState / isRunning argument handling', () => {
  it('returns null / false for 0, negative, fractional and huge pids', () => {
    for (const pid of [0, -1, -3, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(readProcessState(pid)).toBeNull();
      expect(isRunning(pid)).toBe(false);
    }
  });

  it('throws a TypeError for a non-number', () => {
    expect(() => readProcessState('12' as unknown as number)).toThrow(TypeError);
    expect(() => isRunning(undefined as unknown as number)).toThrow(/Expected `pid` to be a number, got `undefined`/);
  });
});

describe.skipIf(!isLinux)('readProcessState / isRunning on live processes', () => {
  it('reports this process as running', () => {
    expect(readProcessState(process.pid)).toBe('running');
    expect(isRunning(process.pid)).toBe(true);
  });

  it('returns null / false for a process that is gone', async () => {
    const child = nodeSpawn('true');
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    expect(readProcessState(pid)).toBeNull();
    expect(isRunning(pid)).toBe(false);
  });

  it('reports a stopped process as stopped, and running again after SIGCONT', async () => {
    const child = nodeSpawn('sleep', ['100']);
    track([child.pid!]);
    process.kill(child.pid!, 'SIGSTOP');
    await waitFor(() => readProcessState(child.pid!) === 'stopped', 5000, 'stopped');
    expect(isRunning(child.pid!)).toBe(true);
    process.kill(child.pid!, 'SIGCONT');
    await waitFor(() => readProcessState(child.pid!) === 'sleeping', 5000, 'sleeping');
  });

  it('a process named `x) Z (y` is sleeping, not a zombie', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exitmon-comm-'));
    try {
      const exe = join(dir, 'x) Z (y');
      copyFileSync('/bin/sleep', exe);
      chmodSync(exe, 0o755);
      const child = nodeSpawn(exe, ['100']);
      track([child.pid!]);
      await waitFor(() => readProcStat(child.pid!)?.comm === 'x) Z (y', 5000, 'exec of the renamed sleep');
      await waitFor(() => readProcessState(child.pid!) === 'sleeping', 5000, 'sleeping');
      expect(isRunning(child.pid!)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // lemonade #2298: a liveness check that reaped the zombie lost its exit code.
  it('a zombie is not running, stays a zombie after the check, and its code 42 is still collected', async () => {
    const parent = nodeSpawn(process.execPath, [fixture('process-zombie-parent.mjs')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    track([parent.pid!]);
    const next = lineReader(parent);
    const zombie = Number(await next());
    await waitFor(() => readProcessState(zombie) === 'zombie', 10_000, 'the child to become a zombie');
    for (let i = 0; i < 5; i++) {
      expect(isRunning(zombie)).toBe(false);
      expect(readProcessState(zombie)).toBe('zombie');
    }
    // Still there for its parent to collect: the parent now waits and reports.
    parent.stdin!.write('reap\n');
    expect(JSON.parse(await next())).toEqual({ code: 42, signal: null });
    await waitFor(() => readProcessState(zombie) === null, 10_000, 'the zombie to be reaped');
  });
});

describe.skipIf(!isLinux)('process listing', () => {
  it('lists processes by group, by parent and by descent', async () => {
    const group = await startGroup(['--members', '2', '--escape']);
    const procs = listProcesses();
    expect(processesInGroup(group.leader, procs).map((p) => p.pid).sort()).toEqual([group.leader, ...group.members].sort());
    expect(childrenOf(group.leader, procs).map((p) => p.pid).sort()).toEqual([...group.members, ...group.escaped].sort());
    expect(descendantsOf([process.pid], procs).map((p) => p.pid)).toEqual(
      expect.arrayContaining([group.leader, ...group.members, ...group.escaped]),
    );
    const escapee = procs.find((p) => p.pid === group.escaped[0]);
    expect(escapee).toMatchObject({ pgrp: group.escaped[0], sid: group.escaped[0], ppid: group.leader });
  });

  it('reads this process group', () => {
    expect(ownProcessGroup()).toBe(readProcStat(process.pid)?.pgrp);
  });
});
