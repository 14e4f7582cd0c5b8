// PID-reuse safety of every signal a stop sends after its first look (issue
// 11). A real recycled pid: inside a new pid namespace, /proc/sys/kernel/
// ns_last_pid makes the kernel hand the pid of a reaped process to a new one.
// Needs root (CAP_SYS_ADMIN) and unshare(1); skipped elsewhere.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLinux } from './helpers.js';

const src = (file: string): string => JSON.stringify(join(import.meta.dirname, '../../src/process', file));

const canRecyclePids =
  isLinux &&
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', 'echo 50 > /proc/sys/kernel/ns_last_pid'], { timeout: 10_000 }).status === 0;

// Pins process A, lets it die and be reaped, makes the kernel give A's pid to
// a new process B, then signals through the pin.
const script = `
  import { spawn } from 'node:child_process';
  import { writeFileSync } from 'node:fs';
  import { setTimeout as delay } from 'node:timers/promises';
  import { SeenProcess, usesPidfds } from ${src('seen-process.ts')};
  import { readProcStat, isRunning } from ${src('proc-stat.ts')};
  const exited = (c) => new Promise((r) => c.once('exit', r));
  const guard = { self: process.pid, ownGroup: undefined };
  for (let attempt = 0; attempt < 10; attempt++) {
    const a = spawn('sleep', ['1000'], { stdio: 'ignore' });
    await delay(30);
    const seen = SeenProcess.pin(readProcStat(a.pid));
    a.kill('SIGKILL');
    await exited(a); // reaped: the pid is free
    await delay(30); // B starts in a later clock tick than A did
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(a.pid - 1));
    const b = spawn('sleep', ['1000'], { stdio: 'ignore' });
    await delay(10);
    if (b.pid !== a.pid) {
      b.kill('SIGKILL');
      await exited(b);
      continue;
    }
    const outcome = seen.signal(9, guard);
    const exitedSaysGone = seen.exited();
    await delay(30);
    const bAlive = isRunning(b.pid);
    b.kill('SIGKILL');
    console.log(JSON.stringify({ reused: true, pidfds: usesPidfds(), outcome, exitedSaysGone, bAlive }));
    process.exit(0);
  }
  console.log(JSON.stringify({ reused: false }));
`;

function runInPidNamespace(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const result = spawnSync(
    'unshare',
    ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe.skipIf(!canRecyclePids)('PID-reuse-safe signalling (a real recycled pid)', () => {
  it('with the addon: the pidfd pinned while A was verified never reaches B, which got A\'s pid', () => {
    const r = runInPidNamespace({});
    expect(r).toEqual({ reused: true, pidfds: true, outcome: 'gone', exitedSaysGone: true, bAlive: true });
  });

  it('without the addon: the pid + start time check right before kill(2) refuses B', () => {
    const r = runInPidNamespace({ EXITMON_NO_NATIVE: '1' });
    expect(r).toEqual({ reused: true, pidfds: false, outcome: 'gone', exitedSaysGone: true, bAlive: true });
  });
});
