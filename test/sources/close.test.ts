// Issue 10: Reaper.close() runs every teardown step even when one throws, and
// a watch of a live pid never answers with an older process's remembered exit.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TeardownError } from '../../src/core/errors.js';
import { ExitMonitor } from '../../src/core/monitor.js';
import { loadNative } from '../../src/native/load.js';
import { Reaper } from '../../src/sources/reaper.js';

const native = process.platform === 'linux' && loadNative() !== null;

describe.skipIf(!native)('Reaper.close()', () => {
  it('gives back the subreaper flag and throws one TeardownError when a monitor lifecycle listener throws', () => {
    const reaper = Reaper.shared();
    const failure = new Error('listener failed');
    reaper.monitor.lifecycle.on('close', () => {
      throw failure;
    });
    expect(reaper.becomeSubreaper()).toBe(true);
    expect(loadNative()!.getSubreaper()).toBe(1);
    let error: unknown;
    try {
      reaper.close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TeardownError);
    // The listener's failure itself, not the monitor's TeardownError around it (spec: "carries the listener's failure as cause").
    expect((error as TeardownError).cause).toBe(failure);
    expect((error as TeardownError).errors).toEqual([failure]);
    expect(reaper.closed).toBe(true);
    expect(loadNative()!.getSubreaper()).toBe(0); // the flag was given back before the failing step
    expect(() => reaper.close()).not.toThrow(); // idempotent
  });
});

describe.skipIf(!native)('Reaper.close() of an adopting reaper', () => {
  it('hands its live orphans over: the next reaper that becomes subreaper adopts and reaps them (they stayed zombies for good)', async () => {
    const first = Reaper.shared();
    expect(first.becomeSubreaper()).toBe(true);
    const sh = spawn('sh', ['-c', 'for i in 1 2 3; do (sleep 0.4; exit 5) & done; exit 0'], { stdio: 'ignore' });
    sh.unref();
    // The three subshells become orphans once sh exits without waiting for them.
    await new Promise((resolve) => sh.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const orphans = first.adopted();
    expect(orphans).toHaveLength(3);
    first.close(); // a supervisor restarting its reaper
    const second = Reaper.shared();
    try {
      expect(second.becomeSubreaper()).toBe(true);
      const exits = await Promise.all(orphans.map((pid) => second.monitor.waitPid(pid, { timeout: 5000 })));
      expect(exits.map((e) => [e.outcome, e.status])).toEqual(orphans.map(() => ['reaped', 5]));
      expect(second.zombies()).toEqual([]);
    } finally {
      second.close();
    }
  });
});

describe.skipIf(!native)('stale exits', () => {
  it('watching a live pid forgets the remembered exit of an earlier process with that pid: waitPid waits for the new one', async () => {
    const monitor = new ExitMonitor();
    const reaper = new Reaper(monitor);
    try {
      const child = spawn('sh', ['-c', 'read x; exit 4'], { stdio: ['pipe', 'ignore', 'ignore'] });
      // An exit of an older process that had this pid, remembered by the monitor.
      monitor.publish({ pid: child.pid!, code: 99, outcome: 'unknown' });
      reaper.watch(child.pid!);
      const exit = monitor.waitPid(child.pid!, { timeout: 10_000 });
      child.stdin!.end('go\n');
      expect(await exit).toMatchObject({ pid: child.pid, code: 4, outcome: 'observed' });
    } finally {
      reaper.close();
      monitor.close();
    }
  });
});
