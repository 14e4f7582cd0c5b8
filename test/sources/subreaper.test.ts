// Orphan adoption as a child subreaper. Subreaper status is per process and
// vitest forks one process per file, so every test here runs as a subreaper.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitMonitor } from '../../src/core/monitor.js';
import { loadNative } from '../../src/native/load.js';
import { Reaper } from '../../src/sources/reaper.js';
import { ourZombies, recordExits, runFixture, stateOf, waitFor } from './helpers.js';

const linux = process.platform === 'linux' && loadNative() !== null;

describe.skipIf(!linux)('Reaper as child subreaper (Linux, native)', () => {
  let monitor: ExitMonitor;
  let reaper: Reaper;
  let record: ReturnType<typeof recordExits>;

  beforeAll(() => {
    monitor = new ExitMonitor();
    reaper = new Reaper(monitor);
    record = recordExits(monitor);
    expect(reaper.becomeSubreaper()).toBe(true);
  });

  afterAll(() => {
    record.stop();
    reaper.close();
    monitor.close();
  });

  const orphansDone = (pids: number[]) => () => pids.every((pid) => record.byPid.has(pid));

  // Spawns `sh -c 'sleep s; exit 42'` and resolves with what its 'exit' event said.
  function childExit(delay: number): { child: ChildProcess; exit: Promise<[number | null, string | null]> } {
    const child = spawn('sh', ['-c', `sleep ${delay}; exit 42`], { stdio: 'ignore' });
    const exit = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    return { child, exit };
  }

  it("node:child_process children keep exit code 42 and fire 'exit' while 200 orphans churn through adoption (containerd #2855, boxlite #523)", async () => {
    const orphanRuns = [0, 0.02, 0.05, 0.1].map((delay) => runFixture('sources-make-orphans.mjs', [50, 3, delay]));
    const children = Array.from({ length: 40 }, (_, i) => childExit((i % 8) * 0.015));
    children.forEach(({ child }, i) => {
      if (i % 2 === 0) reaper.watch(child.pid!); // watched ones are observed, never reaped
    });
    const exits = await Promise.all(children.map(({ exit }) => exit));
    expect(exits).toEqual(Array.from({ length: 40 }, () => [42, null]));
    const orphans = (await Promise.all(orphanRuns)).flat();
    expect(orphans).toHaveLength(200);
    await waitFor(orphansDone(orphans), 'all 200 orphans to be published');
    for (const pid of orphans) {
      expect(record.byPid.get(pid)).toMatchObject([{ outcome: 'reaped', code: 3, status: 3, signal: null }]);
    }
    children.forEach(({ child }, i) => {
      const events = record.byPid.get(child.pid!) ?? [];
      if (i % 2 === 0) expect(events).toMatchObject([{ outcome: 'observed', code: 42 }]);
      else expect(events).toEqual([]); // not watched, not ours: never reaped, never published
    });
    expect(reaper.stats().adoptedTotal).toBeGreaterThanOrEqual(200);
  });

  it('spawnSync keeps its exit status while orphans are adopted', async () => {
    const orphanRun = runFixture('sources-make-orphans.mjs', [100, 4, 0.01]);
    const statuses: (number | null)[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(spawnSync('sh', ['-c', 'sleep 0.005; exit 7']).status);
      await new Promise((resolve) => setImmediate(resolve)); // let SIGCHLD sweeps run in between
    }
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 7));
    const orphans = await orphanRun;
    await waitFor(orphansDone(orphans), 'the 100 orphans to be published');
    expect(orphans.every((pid) => record.byPid.get(pid)?.[0]?.code === 4)).toBe(true);
  });

  it('8 abandoned orphans leave 0 zombies behind', async () => {
    const orphans = await runFixture('sources-make-orphans.mjs', [8, 0, 0.05]);
    await waitFor(orphansDone(orphans), 'the 8 orphans to be published');
    await waitFor(() => ourZombies().length === 0, 'no zombie children', 5_000);
    expect(ourZombies()).toEqual([]);
    expect(orphans.map((pid) => stateOf(pid)?.ppid === process.pid)).not.toContain(true);
  });

  it('a burst of 300 orphans drains completely', async () => {
    const orphans = await runFixture('sources-make-orphans.mjs', [300, 9, 0]);
    expect(orphans).toHaveLength(300);
    await waitFor(orphansDone(orphans), 'all 300 orphans to be published');
    expect(orphans.filter((pid) => record.byPid.get(pid)?.length !== 1)).toEqual([]);
    expect(ourZombies()).toEqual([]);
  });

  it("a SIGKILLed orphan reports signal 'SIGKILL' and status 137", async () => {
    const [pid] = await runFixture('sources-sleeper-orphan.sh');
    await waitFor(() => stateOf(pid!)?.ppid === process.pid, 'the orphan to be re-parented to us', 5_000);
    const exited = monitor.waitPid(pid!, { timeout: 10_000 });
    process.kill(pid!, 'SIGKILL');
    expect(await exited).toMatchObject({ pid, outcome: 'reaped', signal: 'SIGKILL', status: 137, code: null });
  });

  it('a watched orphan is published once, as reaped, with its exec ids', async () => {
    const [pid] = await runFixture('sources-sleeper-orphan.sh');
    await waitFor(() => stateOf(pid!)?.ppid === process.pid, 'the orphan to be re-parented to us', 5_000);
    reaper.watch(pid!, { execId: 'orphan-exec', containerId: 'c1' });
    const exited = monitor.waitExec('orphan-exec', { timeout: 10_000 });
    process.kill(pid!, 'SIGTERM');
    expect(await exited).toMatchObject({ pid, execId: 'orphan-exec', containerId: 'c1', outcome: 'reaped', signal: 'SIGTERM', status: 143 });
    const sweeps = reaper.stats().sweeps;
    process.kill(process.pid, 'SIGCHLD'); // provoke another sweep
    await waitFor(() => reaper.stats().sweeps > sweeps, 'one more sweep', 5_000);
    expect(record.byPid.get(pid!)).toHaveLength(1);
  });

  it('an orphan watched with reap: false is observed with its status and left to its owner', async () => {
    const [pid] = await runFixture('sources-sleeper-orphan.sh');
    await waitFor(() => stateOf(pid!)?.ppid === process.pid, 'the orphan to be re-parented to us', 5_000);
    reaper.watch(pid!, { reap: false });
    const exited = monitor.waitPid(pid!, { timeout: 10_000 });
    process.kill(pid!, 'SIGUSR1');
    expect(await exited).toMatchObject({ pid, outcome: 'observed', signal: 'SIGUSR1', status: 138 });
    const sweeps = reaper.stats().sweeps;
    process.kill(process.pid, 'SIGCHLD');
    await waitFor(() => reaper.stats().sweeps > sweeps, 'another sweep', 5_000);
    expect(stateOf(pid!)?.state).toBe('Z'); // the sweep did not take it
    expect(record.byPid.get(pid!)).toHaveLength(1);
    // Play the owner: collect it so later censuses stay clean.
    expect(loadNative()!.reapUnowned(pid!, -1)).toMatchObject({ pid, signal: 10 });
  });

  it('stats() counts sweeps and when the last one ran', async () => {
    const before = reaper.stats();
    process.kill(process.pid, 'SIGCHLD');
    await waitFor(() => reaper.stats().sweeps > before.sweeps, 'a sweep after SIGCHLD', 5_000);
    const after = reaper.stats();
    expect(after.lastSweepAt).toBeGreaterThanOrEqual(before.lastSweepAt ?? 0);
    expect(after.errors).toBe(0);
  });

  it('close() of a second subreaper removes its SIGCHLD listener and keeps the flag for the first', () => {
    const listeners = process.listenerCount('SIGCHLD');
    const second = new Reaper(new ExitMonitor());
    expect(second.becomeSubreaper()).toBe(true);
    expect(process.listenerCount('SIGCHLD')).toBe(listeners + 1);
    second.close();
    expect(process.listenerCount('SIGCHLD')).toBe(listeners);
    expect(loadNative()!.getSubreaper()).toBe(1);
  });

  it('an orphan exiting while a node:child_process child is still running leaves that child alone', async () => {
    const child = spawn('sh', ['-c', 'sleep 0.3; exit 42'], { stdio: 'ignore' });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const orphans = await runFixture('sources-make-orphans.mjs', [20, 1, 0]);
    await waitFor(orphansDone(orphans), 'the orphans to be published');
    expect(await exit).toBe(42);
    expect(record.byPid.has(child.pid!)).toBe(false);
  });
});
