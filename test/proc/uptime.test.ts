// ticksSinceBoot() is on the clock of /proc/<pid>/stat's start times, which
// adopted() relies on to tell children older than exitmon's import apart.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/proc/stat.js';
import { ticksSinceBoot } from '../../src/proc/uptime.js';

describe.skipIf(process.platform !== 'linux')('ticksSinceBoot()', () => {
  it('brackets the start time of a child spawned between two readings, and follows our own', async () => {
    const before = ticksSinceBoot()!;
    const child = spawn('sleep', ['5'], { stdio: 'ignore' });
    const started = readProcStat(child.pid!)!.startTime;
    await new Promise((resolve) => setTimeout(resolve, 30));
    const after = ticksSinceBoot()!;
    child.kill('SIGKILL');
    expect(started).toBeGreaterThanOrEqual(before);
    expect(started).toBeLessThanOrEqual(after);
    expect(after).toBeGreaterThan(before); // 30 ms are three ticks
    expect(readProcStat('self')!.startTime).toBeLessThanOrEqual(before);
  });
});
