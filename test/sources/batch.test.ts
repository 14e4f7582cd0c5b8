// Issue 10: one wakeup, one batch. The addon collects every exit that is ready
// when its epoll set wakes up and hands them to JS in one call, instead of
// one callback per process.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ExitMonitor } from '../../src/core/monitor.js';
import { loadNative } from '../../src/native/load.js';
import { exitBatches, Reaper } from '../../src/sources/reaper.js';
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
});
