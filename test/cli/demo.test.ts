// `exitmon demo`: the embedded workload ends with zero zombies.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, exitLines, jsonRecords, runCli } from './cli-process.js';

beforeAll(ensureBuilt, 120_000);

describe('exitmon demo', () => {
  it('runs children, orphans, a SIGTERM-ignoring process and a slow subscriber, and leaves no zombie', async () => {
    const { status, stdout } = await runCli(['demo', '--format', 'json']);
    expect(status).toBe(0);
    const summary = jsonRecords(stdout).find((r) => r.type === 'summary');
    expect(summary).toMatchObject({ zombiesLeft: 0, adopted: 8, forcedStops: 1, unknown: 0 });
    const lines = exitLines(stdout);
    expect(summary!.exitsSeen).toBe(lines.length);
    expect(lines.filter((l) => l.role === 'orphan')).toHaveLength(8);
    expect(lines.find((l) => l.execId === 'stubborn')).toMatchObject({ signal: 'SIGKILL' });
    expect(lines.find((l) => l.execId === 'signalled')).toMatchObject({ signal: 'SIGTERM', status: 143 });
    const slow = summary!.slowSubscriber as { received: number; peakBacklog: number };
    expect(slow.received).toBe(lines.length);
    expect(slow.peakBacklog).toBeGreaterThan(0);
  });

  it('prints the summary even with --quiet', async () => {
    const { status, stdout } = await runCli(['demo', '--quiet', '--format', 'pretty']);
    expect(status).toBe(0);
    expect(stdout).not.toMatch(/^exit /m);
    expect(stdout).toMatch(/^ {2}zombies left: 0$/m);
  });
});
