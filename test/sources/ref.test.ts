// reaper.ref() / unref() / refed (issue 11, items 4 and 9): a refed reaper
// holds the event loop while any watched or adopted process is alive and
// lets go when none is; unref'd (the default) it never keeps the process
// alive. The scripts run in their own processes: what is under test is when
// they exit.
import { execFile, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/load.js';
import { readProcStat } from '../../src/proc/stat.js';
import { ExitMonitor, MonitorClosedError, Reaper } from '../../src/index.js';
import { FIXTURES, stateOf } from './helpers.js';

const linux = process.platform === 'linux' && loadNative() !== null;

// --kill-child: if unshare dies, the namespace's init goes with everything inside.
const UNSHARE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

// Probes once whether this machine lets us create a pid namespace (test/cli/pid1.test.ts does the same).
function unshareRefusal(): string | undefined {
  const probe = spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'true'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `unshare is not available: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --pid is refused here: ${probe.stderr.trim() || `status ${probe.status}`}`;
  return undefined;
}
const refusal = linux ? unshareRefusal() : 'not Linux with the addon';
if (refusal !== undefined) console.warn(`skipping the PID 1 ref() tests: ${refusal}`);

interface Run {
  status: number | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

// Runs a fixture with node --import tsx (behind `prefix`) and parses its JSON lines.
function run(fixture: string, args: readonly string[], prefix: readonly string[] = []): Promise<Run> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', FIXTURES + fixture, ...args];
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 30_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ status, lines, stderr });
    });
  });
}

// Processes a script left running (re-parented elsewhere), by pid and start
// time: killed afterwards only if the pid still names the same process.
const strays: { pid: number; startTime: number | undefined }[] = [];
const leftBehind = (pid: unknown): void => void strays.push({ pid: pid as number, startTime: readProcStat(pid as number)?.startTime });
afterEach(() => {
  for (const { pid, startTime } of strays.splice(0)) {
    if (startTime === undefined || readProcStat(pid)?.startTime !== startTime) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

describe('ref() / unref() / refed', () => {
  it('ref() and unref() return the reaper and switch refed; the default is unref\'d', () => {
    const monitor = new ExitMonitor();
    const reaper = new Reaper(monitor);
    try {
      expect(reaper.refed).toBe(false);
      expect(reaper.ref()).toBe(reaper);
      expect(reaper.refed).toBe(true);
      expect(reaper.unref()).toBe(reaper);
      expect(reaper.refed).toBe(false);
    } finally {
      reaper.close();
      monitor.close();
    }
  });

  it('close() lets go of the loop and ref() after close() throws MonitorClosedError', () => {
    const monitor = new ExitMonitor();
    const reaper = new Reaper(monitor).ref();
    reaper.close();
    expect(reaper.refed).toBe(false);
    expect(() => reaper.ref()).toThrow(MonitorClosedError);
    monitor.close();
  });
});

describe.skipIf(!linux)('what a reaper holds the loop for (Linux, native)', () => {
  it("an unref'd reaper lets a script exit while an adopted orphan still runs", async () => {
    const { status, lines, stderr } = await run('sources-ref-orphan.mjs', ['unref', 'orphan', '20']);
    leftBehind(lines[0]?.pid);
    expect(status, stderr).toBe(0);
    expect(lines).toEqual([{ pid: expect.any(Number), refed: false }, { runningAtExit: true }]);
    expect(stateOf(lines[0]!.pid as number)).not.toBeNull(); // it runs on, re-parented elsewhere
  });

  it('a refed reaper holds the loop until its adopted orphan exited, then lets the script end', async () => {
    const { status, lines, stderr } = await run('sources-ref-orphan.mjs', ['ref', 'orphan', '1']);
    expect(status, stderr).toBe(0);
    expect(lines).toEqual([{ pid: expect.any(Number), refed: true }, { runningAtExit: false }]);
  });

  it('a refed reaper holds the loop while a watched process runs (an unref\'d child), unref\'d it does not', async () => {
    const held = await run('sources-ref-orphan.mjs', ['ref', 'watched', '1']);
    expect(held.status, held.stderr).toBe(0);
    expect(held.lines[1]).toEqual({ runningAtExit: false });
    const free = await run('sources-ref-orphan.mjs', ['unref', 'watched', '20']);
    leftBehind(free.lines[0]?.pid);
    expect(free.status, free.stderr).toBe(0);
    expect(free.lines[1]).toEqual({ runningAtExit: true });
  });
});

describe.skipIf(refusal !== undefined)('the PID-1 pattern (unshare --pid --fork --mount-proc)', () => {
  it('a refed PID-1 script that awaits 5 orphans with for await exits 0 after the last', async () => {
    const { status, lines, stderr } = await run('sources-pid1-await.mjs', ['ref'], UNSHARE);
    expect(status, stderr).toBe(0);
    expect(lines).toEqual([{ pid: 1, codes: [1, 2, 3, 4, 5], adoptedTotal: 5 }]);
  });

  it('the same script without ref() exits 13: nothing held the loop (the test above can fail)', async () => {
    const { status, lines } = await run('sources-pid1-await.mjs', ['noref'], UNSHARE);
    expect(status).toBe(13);
    expect(lines).toEqual([]);
  });
});
