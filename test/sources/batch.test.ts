// Issue 10: one wakeup, one batch. The addon collects every exit that is ready
// when its epoll set wakes up and hands them to JS in one call, instead of
// one callback per process.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ExitMonitor } from '../../src/core/monitor.js';
import { loadNative } from '../../src/native/load.js';
import { Reaper } from '../../src/sources/reaper.js';
import { exitBatches } from '../../src/sources/reaper-counters.js';
import { stateOf } from './helpers.js';

const native = process.platform === 'linux' && loadNative() !== null;

describe.skipIf(!native)('exit batches', () => {
  it('50 exits that are ready at one wakeup reach JS in one or two batch calls', async () => {
    const monitor = new ExitMonitor();
    const reaper = new Reaper(monitor);
    try {
      const kids = Array.from({ length: 50 }, () => spawn('sh', ['-c', 'read x; exit 3'], { stdio: ['pipe', 'ignore', 'ignore'] }));
      for (const kid of kids) reaper.watch(kid.pid!);
      const exits = kids.map((kid) => monitor.waitPid(kid.pid!, { timeout: 20_000 }));
      const before = exitBatches(reaper);
      for (const kid of kids) kid.stdin!.end('\n');
      // Hold the loop until every child exited: all 50 are ready at the next wakeup.
      const deadline = Date.now() + 15_000;
      while (kids.some((kid) => stateOf(kid.pid!)?.state !== 'Z') && Date.now() < deadline) { /* spin */ }
      const events = await Promise.all(exits);
      expect(events.every((e) => e.code === 3 && e.outcome === 'observed')).toBe(true);
      expect(exitBatches(reaper) - before).toBeGreaterThanOrEqual(1);
      expect(exitBatches(reaper) - before).toBeLessThanOrEqual(2);
    } finally {
      reaper.close();
      monitor.close();
    }
  });

  // The addon reuses one array for batches of up to 256 exits and makes a
  // larger one for a bigger burst: no batch may carry another's statuses.
  it('a burst larger than the reused batch array, then small batches, carry each exit its own status', async () => {
    const monitor = new ExitMonitor();
    const reaper = new Reaper(monitor);
    try {
      const start = (count: number, offset: number) => Array.from({ length: count }, (_, i) => {
        const kid = spawn('sh', ['-c', `read x; exit ${(offset + i) % 200}`], { stdio: ['pipe', 'ignore', 'ignore'] });
        reaper.watch(kid.pid!);
        return { kid, code: (offset + i) % 200, exit: monitor.waitPid(kid.pid!, { timeout: 30_000 }) };
      });
      const release = async (group: ReturnType<typeof start>) => {
        for (const { kid } of group) kid.stdin!.end('\n');
        const deadline = Date.now() + 20_000;
        while (group.some(({ kid }) => stateOf(kid.pid!)?.state !== 'Z') && Date.now() < deadline) { /* spin: one wakeup for all */ }
        const events = await Promise.all(group.map(({ exit }) => exit));
        return events.map((e, i) => [e.pid, e.code] as const).filter(([pid, code], i) => pid !== group[i]!.kid.pid || code !== group[i]!.code);
      };
      const burst = start(300, 0);
      const beforeBurst = exitBatches(reaper);
      expect(await release(burst)).toEqual([]);
      expect(exitBatches(reaper) - beforeBurst).toBeLessThanOrEqual(2);
      for (const offset of [7, 13]) expect(await release(start(3, offset))).toEqual([]);
    } finally {
      reaper.close();
      monitor.close();
    }
  }, 60_000);
});
