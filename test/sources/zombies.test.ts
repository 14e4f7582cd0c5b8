// reaper.zombies(): this process's zombie children, kernel first (one waitid
// with WNOWAIT when there is none), a /proc listing otherwise. A child
// subreaper that does not adopt leaves a re-parented orphan's zombie in place,
// which makes one to look at; vitest forks one process per file, so the
// subreaper flag stays here.
import { afterAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/load.js';
import { ExitMonitor, Reaper, type ExitEvent } from '../../src/index.js';
import { runFixture, stateOf, waitFor } from './helpers.js';

const linux = process.platform === 'linux' && loadNative() !== null;

describe.skipIf(!linux)('reaper.zombies() (Linux, native)', () => {
  const reaper = new Reaper(new ExitMonitor());
  afterAll(() => reaper.close());

  it('lists an exited child until it is collected, and nothing once it is', async () => {
    expect(reaper.zombies()).toEqual([]);
    expect(reaper.becomeSubreaper({ adoptOrphans: false })).toBe(true);
    // The fixture leaves an orphan that is re-parented to us and exits:
    // nobody collects it yet.
    const orphan = (await runFixture('sources-late-orphan.sh', [0]))[0]!;
    await waitFor(() => stateOf(orphan)?.state === 'Z', 'the orphan to exit');
    expect(reaper.zombies()).toEqual([orphan]);
    // Adoption is off, so no sweep takes it: collect it here, and the list is
    // empty again.
    expect(loadNative()!.reapUnowned(orphan, -1)).toMatchObject({ pid: orphan, code: 0 });
    expect(reaper.zombies()).toEqual([]);
    expect(stateOf(orphan)).toBeNull();
  });

  it('adopts an orphan re-parented while adoption was off once adoption is turned on', async () => {
    const exits: ExitEvent[] = [];
    using _ = reaper.monitor.subscribe('all', (exit) => void exits.push(exit));
    const orphan = (await runFixture('sources-late-orphan.sh', [5]))[0]!;
    await waitFor(() => stateOf(orphan)?.state === 'Z', 'the orphan to exit');
    expect(reaper.becomeSubreaper()).toBe(true); // now adopting: the orphan is ours
    await waitFor(() => exits.some((e) => e.pid === orphan), 'the orphan to be reaped');
    expect(exits.find((e) => e.pid === orphan)).toMatchObject({ outcome: 'reaped', code: 5 });
    expect(stateOf(orphan)).toBeNull();
  });
});
