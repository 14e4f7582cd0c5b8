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

const hasAddon = isLinux && (spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
  `import { loadNative } from ${src('../native/load.ts')}; process.exit(loadNative() ? 0 : 1);`], { env: withEnv({}), timeout: 30_000 }).status === 0);

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

// process.env with `env` applied; EXITMON_NO_NATIVE only when `env` sets it.
function withEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { EXITMON_NO_NATIVE: _ignored, ...rest } = process.env;
  return { ...rest, ...env };
}

function runInPidNamespace(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const result = spawnSync(
    'unshare',
    ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: withEnv(env) },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe.skipIf(!canRecyclePids)('PID-reuse-safe signalling (a real recycled pid)', () => {
  it.skipIf(!hasAddon)('with the addon: the pidfd pinned while A was verified never reaches B, which got A\'s pid', () => {
    const r = runInPidNamespace({});
    expect(r).toEqual({ reused: true, pidfds: true, outcome: 'gone', exitedSaysGone: true, bAlive: true });
  });

  it('without the addon: the pid + start time check right before kill(2) refuses B', () => {
    const r = runInPidNamespace({ EXITMON_NO_NATIVE: '1' });
    expect(r).toEqual({ reused: true, pidfds: false, outcome: 'gone', exitedSaysGone: true, bAlive: true });
  });
});

describe.skipIf(!isLinux)('pins verify identity when they are taken', () => {
  it('a listing entry whose start time no longer matches the pid is not pinned (addon) or not signalled (fallback)', async () => {
    const { spawn } = await import('node:child_process');
    const { SeenProcess, usesPidfds } = await import('../../src/process/seen-process.js');
    const { isRunning, readProcStat } = await import('../../src/process/proc-stat.js');
    const live = spawn('sleep', ['100'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 30));
      const stat = readProcStat(live.pid!)!;
      // What a stop would hold had it listed an earlier process with this pid.
      const stale = { ...stat, startTime: stat.startTime - 1 };
      const pin = SeenProcess.pin(stale);
      if (usesPidfds()) expect(pin).toBeNull();
      else expect(pin!.signal(9, { self: process.pid, ownGroup: undefined })).toBe('gone');
      expect(isRunning(live.pid!)).toBe(true);
      // The true identity pins and signals.
      const real = SeenProcess.pin(stat)!;
      expect(real.signal(0, { self: process.pid, ownGroup: undefined })).toBe('sent');
      expect(real.exited()).toBe(false);
      real.close();
    } finally {
      live.kill('SIGKILL');
    }
  });
});
