// Reaper.watch on the pidfd backend, without subreaper adoption.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoSuchProcessError } from '../../src/core/errors.js';
import { ExitMonitor } from '../../src/core/monitor.js';
import { loadNative } from '../../src/native/load.js';
import { spawn as spawnManaged } from '../../src/process/spawn.js';
import { isOwnedByRuntime as isOwnedByChildProcess } from '../../src/sources/ownership.js';
import { Reaper, reaperFor } from '../../src/sources/reaper.js';
import { FIXTURES, recordExits, stateOf, waitFor } from './helpers.js';

const native = process.platform === 'linux' && loadNative() !== null;

// Starts a fixture that prints a grandchild's pid; resolves with that pid.
function grandchild(fixture: string, args: string[]): Promise<{ pid: number; parent: number }> {
  const parent = spawn(FIXTURES + fixture, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    parent.stdout.once('data', (chunk: Buffer) => resolve({ pid: Number(chunk.toString().split('\n')[0]), parent: parent.pid! }));
    parent.once('error', reject);
  });
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe.skipIf(!native)('Reaper.watch (Linux, pidfd backend)', () => {
  let monitor: ExitMonitor;
  let reaper: Reaper;
  let record: ReturnType<typeof recordExits>;

  beforeEach(() => {
    monitor = new ExitMonitor();
    reaper = new Reaper(monitor);
    record = recordExits(monitor);
  });

  afterEach(() => {
    reaper.close();
    monitor.close();
  });

  it("a watched node:child_process child is 'observed' with its real exit code and 'exit' still fires", async () => {
    expect(reaper.backend).toBe('pidfd');
    const child = spawn('sh', ['-c', 'sleep 0.05; exit 42'], { stdio: 'ignore' });
    const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    reaper.watch(child.pid!);
    const event = await monitor.waitPid(child.pid!, { timeout: 10_000 });
    expect(event).toMatchObject({ pid: child.pid, outcome: 'observed', code: 42, status: 42, signal: null });
    expect(await exit).toEqual({ code: 42, signal: null });
    expect(reaper.stats()).toMatchObject({ observedTotal: 1, reapedTotal: 0, watched: 0 });
  });

  it("a signalled node:child_process child is 'observed' with its signal", async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    reaper.watch(child.pid!);
    const exited = monitor.waitPid(child.pid!, { timeout: 10_000 });
    child.kill('SIGKILL');
    expect(await exited).toMatchObject({ outcome: 'observed', signal: 'SIGKILL', status: 137, code: null });
  });

  it("a watched non-child reports 'unknown' with status -1", async () => {
    const { pid } = await grandchild('sources-parent-stays.sh', ['0.3', '5']);
    reaper.watch(pid);
    const event = await monitor.waitPid(pid, { timeout: 10_000 });
    expect(event).toMatchObject({ pid, outcome: 'unknown', code: null, signal: null, status: -1 });
    expect(reaper.stats().unknownTotal).toBe(1);
  });

  it("a thread's id is a RangeError naming its process, on both backends (pidfd_open said ENOENT; the poll backend watched it for good)", () => {
    const tid = readdirSync('/proc/self/task').map(Number).find((t) => t !== process.pid)!;
    expect(tid).toBeGreaterThan(0); // node always runs helper threads
    const poll = new Reaper(new ExitMonitor(), { backend: 'poll' });
    try {
      for (const r of [reaper, poll]) expect(() => r.watch(tid)).toThrow(new RangeError(`Expected \`pid\` to name a process, got ${tid}, a thread of process ${process.pid}`));
    } finally {
      poll.close();
    }
  });

  it('watch is idempotent: watching a watched pid again publishes one exit; another execId is a RangeError', async () => {
    const child = spawn('sh', ['-c', 'sleep 0.05; exit 3'], { stdio: 'ignore' });
    reaper.watch(child.pid!, { execId: 'first' });
    reaper.watch(child.pid!, { execId: 'first' });
    reaper.watch(child.pid!);
    // Before: ignored, so waitExec('second') waited for an exit published as 'first'.
    expect(() => reaper.watch(child.pid!, { execId: 'second' })).toThrow(
      new RangeError(`Expected pid ${child.pid} to be watched as execId "first", as it is already, got execId "second"`),
    );
    expect(reaper.stats().watched).toBe(1);
    await new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => reaper.stats().watched === 0, 'the exit to be collected', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(record.byPid.get(child.pid!)).toMatchObject([{ execId: 'first', code: 3 }]);
  });

  it('watch is one-way: the pid stays watched until its exit is published', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    reaper.watch(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reaper.stats().watched).toBe(1);
    expect(record.events).toEqual([]);
    child.kill('SIGTERM');
    await monitor.waitPid(child.pid!, { timeout: 10_000 });
    expect(reaper.stats().watched).toBe(0);
  });

  it('a pid can be watched again after its exit was published', async () => {
    // The grandchild stays a zombie until 2 s: its parent exec'd `sleep 2`, which never waits.
    const parent = spawn('sh', ['-c', '(sleep 0.1; exit 6) & echo $!; exec sleep 2'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (c: Buffer) => resolve(Number(c.toString()))));
    reaper.watch(pid);
    await monitor.waitPid(pid, { timeout: 10_000 });
    reaper.watch(pid);
    await waitFor(() => (record.byPid.get(pid)?.length ?? 0) === 2, 'the second exit', 10_000);
    expect(record.byPid.get(pid)!.map((e) => e.outcome)).toEqual(['unknown', 'unknown']);
    parent.kill();
  });

  it("watching a node:child_process child again while its observed zombie waits for libuv publishes its exit once", async () => {
    let whileZombie = 0;
    monitor.subscribe('all', (event) => {
      // The exit was peeked (WNOWAIT): libuv has not reaped the zombie yet.
      if (stateOf(event.pid)?.state === 'Z') whileZombie++;
      expect(() => reaper.watch(event.pid)).not.toThrow();
    });
    const children = Array.from({ length: 10 }, (_, i) => spawn('sh', ['-c', `sleep 0.05; exit ${i + 1}`], { stdio: 'ignore' }));
    for (const child of children) reaper.watch(child.pid!);
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    await monitor.drain({ timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(whileZombie).toBeGreaterThan(0); // the case under test happened
    for (const [i, child] of children.entries()) {
      expect(record.byPid.get(child.pid!)?.map((e) => [e.outcome, e.code])).toEqual([['observed', i + 1]]);
    }
    expect(reaper.stats().watched).toBe(0);
  });

  // The observed mark is a property on the ChildProcess; one that takes no
  // new property (the host called Object.preventExtensions on it) lost its
  // exit to a TypeError in the exit handler before the fallback set.
  it('a non-extensible ChildProcess still gets its exit published once, also when its zombie is watched again', async () => {
    monitor.subscribe('all', (event) => expect(() => reaper.watch(event.pid)).not.toThrow());
    const child = spawn('sh', ['-c', 'sleep 0.05; exit 7'], { stdio: 'ignore' });
    Object.preventExtensions(child);
    reaper.watch(child.pid!);
    await new Promise((resolve) => child.once('exit', resolve));
    await monitor.drain({ timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(record.byPid.get(child.pid!)?.map((e) => [e.outcome, e.code])).toEqual([['observed', 7]]);
  });

  it('watch(pid, { execId }) forgets the remembered exit of an earlier run of that exec: waitExec waits for the new run', async () => {
    for (const code of [1, 2]) {
      const child = spawn('sh', ['-c', `sleep 0.05; exit ${code}`], { stdio: 'ignore' });
      reaper.watch(child.pid!, { execId: 'job-1' });
      const exit = await monitor.waitExec('job-1', { timeout: 10_000 });
      expect(exit).toMatchObject({ pid: child.pid, code, execId: 'job-1' });
    }
  });

  it('invalid pids are TypeError / RangeError; a pid that does not exist is NoSuchProcessError', async () => {
    expect(() => reaper.watch('12' as unknown as number)).toThrow(TypeError);
    expect(() => reaper.watch(-3)).toThrow(/Expected `pid` to be a positive integer/);
    expect(() => reaper.watch(1.5)).toThrow(RangeError);
    expect(() => reaper.watch(1, { reap: 'yes' as unknown as boolean })).toThrow(TypeError);
    // This process never sees its own exit (with ref() it would never end).
    expect(() => reaper.watch(process.pid)).toThrow(/Expected `pid` to be another process than this one/);
    const child = spawn('true');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(() => reaper.watch(child.pid!)).toThrow(NoSuchProcessError);
  });

  it('a throwing subscriber cannot stop the reaper', async () => {
    monitor.subscribe('all', () => {
      throw new Error('subscriber bug');
    });
    for (const code of [1, 2]) {
      const child = spawn('sh', ['-c', `exit ${code}`], { stdio: 'ignore' });
      reaper.watch(child.pid!);
      expect(await monitor.waitPid(child.pid!, { timeout: 10_000 })).toMatchObject({ code });
    }
    await waitFor(() => monitor.stats().listenerErrors === 2, 'both listener errors to be counted', 10_000);
    expect(reaper.stats().errors).toBe(0);
  });

  it('close() releases every pidfd; afterwards only node:child_process exits are still published, from their exit event', async () => {
    const before = openFds();
    const children = Array.from({ length: 20 }, () => spawn('sleep', ['30'], { stdio: 'ignore' }));
    const afterSpawn = openFds();
    for (const child of children) reaper.watch(child.pid!);
    expect(openFds()).toBe(afterSpawn + 20);
    reaper.close();
    expect(openFds()).toBe(afterSpawn);
    expect(reaper.stats().watched).toBe(0);
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve).kill())));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Handed over at close (review finding 6): one 'observed' exit per child, from its 'exit' event.
    expect(record.events.map((e) => [e.pid, e.outcome, e.signal]).sort()).toEqual(children.map((c) => [c.pid, 'observed', 'SIGTERM']).sort());
    expect(openFds()).toBeLessThanOrEqual(before);
    expect(() => reaper.watch(1)).toThrow(/closed/);
  });

  it('reaperFor(monitor) finds the open reaper that feeds a monitor', () => {
    expect(reaperFor(monitor)).toBe(reaper);
    reaper.close();
    expect(reaperFor(monitor)).toBeUndefined();
  });

  it('closing the monitor closes its reaper', () => {
    monitor.close();
    expect(reaper.closed).toBe(true);
  });

  it('Reaper.shared() is one process-wide reaper with its own monitor, recreated after close', () => {
    const shared = Reaper.shared();
    expect(Reaper.shared()).toBe(shared);
    expect(reaperFor(shared.monitor)).toBe(shared);
    shared.close();
    expect(shared.monitor.closed).toBe(true);
    const again = Reaper.shared();
    expect(again).not.toBe(shared);
    again.close();
  });

  // Review finding 6: close() dropped the watch and nothing else reported the exit.
  it("close() of a reaper does not leave spawn()'s `exited` pending: the child's exit is still published", async () => {
    const managed = spawnManaged('sh', ['-c', 'sleep 0.2; exit 6'], { monitor, stdio: 'ignore' });
    reaper.close();
    expect(monitor.closed).toBe(false);
    const exit = await Promise.race([managed.exited, new Promise((resolve) => setTimeout(() => resolve('pending'), 10_000))]);
    // Native engine: exitmon's own child, collected by spawn's fallback once the reaper is gone.
    expect(exit).toMatchObject({ pid: managed.pid, outcome: 'reaped', code: 6, status: 6 });
    expect(record.byPid.get(managed.pid)).toHaveLength(1);
  });

  // Review finding 7: the registry entry was removed only by an 'exit' listener.
  it('a node:child_process child whose exit listeners were removed is no longer owned once libuv reaped it', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    expect(isOwnedByChildProcess(child.pid!)).toBe(true);
    child.removeAllListeners('exit');
    await new Promise((resolve) => child.once('close', resolve));
    expect(child.exitCode).toBe(0);
    expect(isOwnedByChildProcess(child.pid!)).toBe(false);
    expect(loadNative()!.ownHas(child.pid!)).toBe(0); // the process-wide registry too
  });
});
