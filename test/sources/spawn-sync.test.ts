// Issue 10: "spawnSync is safe because no JS runs during the call" holds on one
// thread only. A worker thread's spawnSync child is a child of the process, so
// the main thread's orphan sweep could reap it (the worker's spawnSync then
// hangs or fails). exitmon holds its "spawn in flight" count for the whole
// synchronous call, so no reap in any thread takes that child.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/load.js';
import { FIXTURES } from './helpers.js';

const native = process.platform === 'linux' && loadNative() !== null;

describe.skipIf(!native)('spawnSync on worker threads next to an adopting subreaper', () => {
  it("a sweep on the main thread never reaps a worker's spawnSync child: every status is 5", () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', FIXTURES + 'sources-worker-spawnsync.mjs'], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 0, signal: null });
    const statuses = JSON.parse(result.stdout) as unknown[];
    expect(statuses).toHaveLength(90);
    expect(statuses.filter((s) => s !== 5)).toEqual([]);
  }, 70_000);
});
