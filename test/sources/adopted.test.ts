// reaper.adopted() and reaper.stopAdopted() as a child subreaper (issue 11,
// items 3 and 9): a setsid escapee whose parent already died is gone after
// stopAdopted(), and this process's own children are never listed nor
// stopped. Subreaper status is per process and vitest forks one process per
// file, so every test here runs as a subreaper.
import { execFile, spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/load.js';
import { ExitMonitor, Reaper, spawn, type ManagedProcess } from '../../src/index.js';
import { stopProcessTrees } from '../../src/process/stop.js';
import { readProcStat } from '../../src/proc/stat.js';
import { FIXTURES, recordExits, stateOf, waitFor } from './helpers.js';

const linux = process.platform === 'linux' && loadNative() !== null;

// Runs a fixture and returns what it printed as key=value pairs.
function runPrinting(file: string, args: readonly string[] = []): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(FIXTURES + file, args, (error, stdout) => {
      if (error) return reject(error);
      resolve(Object.fromEntries([...stdout.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])])));
    });
  });
}

// Alive: exists and is not a zombie (the sweep reaps what we kill).
const alive = (pid: number): boolean => {
  const s = stateOf(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
};

describe.skipIf(!linux)('reaper.adopted() and stopAdopted() as child subreaper (Linux, native)', () => {
  let monitor: ExitMonitor;
  let reaper: Reaper;
  let record: ReturnType<typeof recordExits>;
  const leftovers: { pid: number; startTime: number | undefined }[] = [];
  const leave = (...pids: number[]): void => {
    for (const pid of pids) leftovers.push({ pid, startTime: readProcStat(pid)?.startTime });
  };

  beforeAll(() => {
    monitor = new ExitMonitor();
    reaper = new Reaper(monitor);
    record = recordExits(monitor);
    expect(reaper.becomeSubreaper()).toBe(true);
  });

  // Kills what a test left running, only while its pid names the same process (never a recycled pid).
  // Waits until they are gone, so that the next test starts with nothing adopted.
  afterEach(async () => {
    const killed: number[] = [];
    for (const { pid, startTime } of leftovers.splice(0)) {
      if (startTime === undefined || readProcStat(pid)?.startTime !== startTime) continue;
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch {
        // gone already
      }
    }
    await waitFor(() => !killed.some(alive), 'the left-over processes to die', 10_000);
  });

  afterAll(() => {
    record.stop();
    reaper.close();
    monitor.close();
  });

  // Starts the double-forked daemon and waits until it is re-parented to us.
  async function daemon(mode: 'plain' | 'stubborn'): Promise<{ daemon: number; worker: number }> {
    const pids = await runPrinting('sources-daemon.sh', [mode]);
    const started = { daemon: pids.daemon!, worker: pids.worker! };
    leave(started.daemon, started.worker);
    await waitFor(() => stateOf(started.daemon)?.ppid === process.pid, 'the daemon to be re-parented to us', 10_000);
    return started;
  }

  it('lists a re-parented double-forked daemon, not its worker (whose parent lives), our node:child_process child or an exitmon spawn child', async () => {
    const own = spawnChild('sleep', ['30'], { stdio: 'ignore' });
    const managed = spawn('sleep', ['30'], { stdio: 'ignore', monitor });
    leave(own.pid!, managed.pid);
    const { daemon: d, worker } = await daemon('plain');
    const adopted = reaper.adopted();
    expect(adopted).toContain(d);
    expect(adopted).not.toContain(worker);
    expect(adopted).not.toContain(own.pid);
    expect(adopted).not.toContain(managed.pid);
    // The brute-force scan that issue 11 warns about would have taken both of ours.
    expect(stateOf(own.pid!)?.ppid).toBe(process.pid);
    expect(stateOf(managed.pid)?.ppid).toBe(process.pid);
  });

  it('a double-forked setsid daemon whose parent died is gone after stopAdopted(), worker included: 0 survivors', async () => {
    const { daemon: d, worker } = await daemon('plain');
    const result = await reaper.stopAdopted({ graceMs: 5000 });
    expect(result).toMatchObject({ forced: false, alreadyExited: false, survivors: [] });
    await waitFor(() => !alive(d) && !alive(worker), 'daemon and worker to be gone', 10_000);
    expect(reaper.adopted()).toEqual([]);
  });

  it('escalates to SIGKILL for a daemon and worker that ignore SIGTERM, and leaves our own children running', async () => {
    const own = spawnChild('sleep', ['30'], { stdio: 'ignore' });
    const managed: ManagedProcess = spawn('sleep', ['30'], { stdio: 'ignore', monitor });
    leave(own.pid!, managed.pid);
    const { daemon: d, worker } = await daemon('stubborn');
    const result = await reaper.stopAdopted({ graceMs: 200 });
    expect(result).toMatchObject({ forced: true, alreadyExited: false, survivors: [] });
    await waitFor(() => !alive(d) && !alive(worker), 'daemon and worker to be gone', 10_000);
    expect(alive(own.pid!)).toBe(true);
    expect(alive(managed.pid)).toBe(true);
    // The sweep reaped what the stop killed, with the signal as status.
    await waitFor(() => record.byPid.has(d), 'the daemon exit to be published');
    expect(record.byPid.get(d)![0]).toMatchObject({ signal: 'SIGKILL', outcome: 'reaped' });
  });

  it('a pid that an open reaper watches is its watcher\'s, not listed', async () => {
    const { daemon: d } = await daemon('plain');
    expect(reaper.adopted()).toContain(d);
    reaper.watch(d);
    expect(reaper.adopted()).not.toContain(d);
  });

  it("an exitmon spawn child whose reaper was closed stays its spawner's: not listed, not stopped, and still reaped with its status", async () => {
    const own = new ExitMonitor();
    const other = new Reaper(own);
    const p = spawn('sh', ['-c', 'sleep 0.5; exit 6'], { stdio: 'ignore', monitor: own });
    leave(p.pid);
    const exit = own.waitPid(p.pid);
    other.close();
    // Before: listed as an adopted orphan, and stopAdopted() sent it SIGTERM.
    expect(reaper.adopted()).not.toContain(p.pid);
    expect(await reaper.stopAdopted({ graceMs: 100 })).toMatchObject({ alreadyExited: true, survivors: [] });
    expect(alive(p.pid)).toBe(true);
    // The spawner collects it itself (its reaper is closed): status kept.
    expect(await exit).toMatchObject({ pid: p.pid, outcome: 'reaped', status: 6 });
    own.close();
  });

  it('with nothing adopted, stopAdopted() signals nothing and says alreadyExited', async () => {
    const own: ChildProcess = spawnChild('sleep', ['30'], { stdio: 'ignore' });
    leave(own.pid!);
    await waitFor(() => stateOf(own.pid!) !== null, 'the child to start');
    expect(reaper.adopted()).toEqual([]);
    expect(await reaper.stopAdopted({ graceMs: 100 })).toMatchObject({ forced: false, alreadyExited: true, survivors: [] });
    expect(alive(own.pid!)).toBe(true);
  });

  it('rejects bad options before it signals anything', async () => {
    const { daemon: d } = await daemon('plain');
    await expect(reaper.stopAdopted({ killSignal: 'SIGSTOP' })).rejects.toThrow(RangeError);
    await expect(reaper.stopAdopted({ graceMs: -1 })).rejects.toThrow(RangeError);
    expect(alive(d)).toBe(true);
  });

  it('a root whose pid names another process than the listing saw is left alone (PID reuse)', async () => {
    const own = spawnChild('sleep', ['30'], { stdio: 'ignore' });
    leave(own.pid!);
    await waitFor(() => readProcStat(own.pid!) !== null, 'the child to start');
    const seen = readProcStat(own.pid!)!;
    const result = await stopProcessTrees([{ pid: own.pid!, startTime: seen.startTime - 1 }], { graceMs: 100 });
    expect(result).toMatchObject({ alreadyExited: true, survivors: [] });
    expect(alive(own.pid!)).toBe(true);
  });

  it('a child spawned before exitmon was loaded is never listed (owner unknown, e.g. tsx\'s esbuild helper)', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', FIXTURES + 'sources-early-child.mjs'], (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    const { early, orphan, adopted } = JSON.parse(out.trim().split('\n').pop()!) as { early: number; orphan: number; adopted: number[] };
    expect(adopted).toContain(orphan);
    expect(adopted).not.toContain(early);
  });

  // watch() reaped it (reap: true by default): libuv got ECHILD, and 'exit' never fired.
  it("watching a node:child_process child spawned before exitmon was loaded leaves its reap to libuv: 'exit' comes with the code", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', FIXTURES + 'sources-early-watch.mjs'], (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ exit: { code: 8, signal: null }, outcome: 'observed', status: 8 });
  });
});
