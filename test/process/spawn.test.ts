import { afterEach, describe, expect, it, vi } from 'vitest';
import { MonitorClosedError } from '../../src/core/errors.js';
import { ExitMonitor } from '../../src/core/monitor.js';
import { listProcesses, readProcessState, readProcStat } from '../../src/process/proc-stat.js';
import { spawn, type ManagedProcess, type ManagedSpawnOptions } from '../../src/process/spawn.js';
import { Reaper } from '../../src/sources/reaper.js';
import { fixture, isGone, isLinux, killAll, track, waitFor } from './helpers.js';

const LIVENESS_MS = 10_000;
const monitors: ExitMonitor[] = [];

// A fresh monitor per test, closed afterwards; it has no reaper, so spawn()
// reports the exit from the ChildProcess 'exit' event.
function plainMonitor(): ExitMonitor {
  const monitor = new ExitMonitor();
  monitors.push(monitor);
  return monitor;
}

// spawn() that remembers the group for cleanup.
function start(command: string, args: string[] = [], options: ManagedSpawnOptions = {}): ManagedProcess {
  const p = spawn(command, args, options);
  if (!Number.isNaN(p.pid)) track([p.pid], { asGroups: p.pgid !== undefined });
  return p;
}

afterEach(() => {
  vi.restoreAllMocks();
  killAll();
  for (const m of monitors.splice(0)) m.close();
});

describe.skipIf(!isLinux)('spawn', () => {
  // The shared reaper has the pidfd backend: spawn() uses the native engine
  // and the reaper reaps the child; without a reaper node:child_process does.
  for (const [name, monitor, outcome] of [
    ['the shared reaper', () => undefined, 'reaped'],
    ['a monitor without a reaper', plainMonitor, 'observed'],
  ] as const) {
    describe(`with ${name}`, () => {
      it('exited resolves with the exit code and the execId/containerId', async () => {
        const p = start(process.execPath, [fixture('process-exit-42.mjs')], {
          monitor: monitor(),
          execId: 'exec-42',
          containerId: 'ctr-1',
        });
        const exit = await p.exited;
        expect(exit).toMatchObject({ pid: p.pid, code: 42, signal: null, status: 42, execId: 'exec-42', containerId: 'ctr-1' });
        expect(exit.outcome).toBe(outcome);
      });

      it('kill(0) sends nothing and answers whether the process still runs, as ChildProcess.kill(0)', async () => {
        const p = start('sleep', ['30'], { monitor: monitor(), stdio: 'ignore' });
        expect(p.kill(0)).toBe(true);
        expect(p.kill(0)).toBe(true); // a real signal 0 would have done nothing either: it still runs
        expect(readProcessState(p.pid)).not.toBe('zombie');
        expect(p.kill('SIGKILL')).toBe(true);
        expect((await p.exited).signal).toBe('SIGKILL');
        expect(p.kill(0)).toBe(false);
      });

      it('300 instant exits (`true`) all resolve exited', async () => {
        const procs = Array.from({ length: 300 }, () => start('true', [], { monitor: monitor(), stdio: 'ignore' }));
        const exits = await Promise.all(procs.map((p) => p.exited));
        expect(exits.map((e) => e.code)).toEqual(Array.from({ length: 300 }, () => 0));
        expect(exits.map((e) => e.pid)).toEqual(procs.map((p) => p.pid));
      });
    });
  }

  it('waitExec on the monitor resolves with the exec', async () => {
    const m = plainMonitor();
    const waiting = m.waitExec('job-3', { timeout: LIVENESS_MS });
    const p = start('sh', ['-c', 'exit 3'], { monitor: m, execId: 'job-3' });
    expect(await waiting).toMatchObject({ pid: p.pid, code: 3, execId: 'job-3' });
  });

  it('the child leads its own process group by default, and not with processGroup: false', async () => {
    const grouped = start('sleep', ['100'], { monitor: plainMonitor() });
    expect(grouped.pgid).toBe(grouped.pid);
    expect(readProcStat(grouped.pid)?.pgrp).toBe(grouped.pid);
    const inline = start('sleep', ['100'], { monitor: plainMonitor(), processGroup: false });
    expect(inline.pgid).toBeUndefined();
    expect(readProcStat(inline.pid)?.pgrp).toBe(readProcStat(process.pid)?.pgrp);
  });

  it('ENOENT rejects exited, emits error on the child and leaks no subscription', async () => {
    const m = plainMonitor();
    const p = spawn('/nonexistent/exitmon-no-such-command', [], { monitor: m });
    const emitted = new Promise((resolve) => p.child!.once('error', resolve));
    await expect(p.exited).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await emitted).toMatchObject({ code: 'ENOENT' });
    expect(Number.isNaN(p.pid)).toBe(true);
    expect(m.stats().subscriptions).toBe(0);
    expect(await p.stop()).toMatchObject({ alreadyExited: true });
  });

  it('an unawaited spawn failure is not an unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const p = spawn('/nonexistent/exitmon-no-such-command', [], { monitor: plainMonitor() });
      await new Promise((r) => p.child!.once('error', r));
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('unsubscribes once the exit arrived', async () => {
    const m = plainMonitor();
    const p = start('true', [], { monitor: m });
    await p.exited;
    expect(m.stats().subscriptions).toBe(0);
  });

  it('stop() stops the whole group and exited reports the signal', async () => {
    const p = start('sh', ['-c', 'sleep 100 & sleep 100 & wait'], { monitor: plainMonitor() });
    await waitFor(() => (readProcStat(p.pid) !== null), LIVENESS_MS);
    const result = await p.stop({ graceMs: LIVENESS_MS });
    expect(result).toMatchObject({ forced: false, alreadyExited: false, survivors: [] });
    expect((await p.exited).signal).toBe('SIGTERM');
    expect(await p.stop()).toMatchObject({ alreadyExited: true });
  });

  // It stopped only the group: a member's child that had left it (setsid)
  // lived on, so a service restarted next to its previous instance's remains.
  it('stop() after the exit also stops what a member of its group started in a new session', async () => {
    const p = start('sh', ['-c', 'sh -c "setsid sleep 100 & wait" & exit 3'], { monitor: plainMonitor() });
    expect((await p.exited).code).toBe(3);
    let escapee: number | undefined;
    await waitFor(() => {
      const procs = listProcesses();
      const member = procs.find((x) => x.pgrp === p.pgid && x.state !== 'zombie');
      escapee = member === undefined ? undefined : procs.find((x) => x.ppid === member.pid && x.pgrp !== p.pgid && x.state !== 'zombie')?.pid;
      return escapee !== undefined;
    }, LIVENESS_MS, 'the setsid child of the group member');
    track([escapee!]);
    expect(await p.stop({ graceMs: LIVENESS_MS })).toMatchObject({ alreadyExited: false, survivors: [] });
    expect(isGone(escapee!)).toBe(true);
    expect(await p.stop()).toMatchObject({ alreadyExited: true });
  });

  // The reaper's WNOWAIT peek settles `exited` before libuv reaps: stop()
  // took the child's own zombie (which pins the group's id) for a stranger
  // and stopped nothing; the tree stop of a zombie root then missed its
  // group in the first look (8 of 10 left the sleep running).
  it('stop() right after `exited`, before libuv reaped (child_process engine with a reaper), stops what the group left', async () => {
    for (let i = 0; i < 5; i++) {
      const p = start('sh', ['-c', 'sleep 100 & exit 0'], { engine: 'child_process', stdio: 'ignore' });
      await p.exited;
      const result = await p.stop({ graceMs: LIVENESS_MS });
      const left = listProcesses().filter((x) => x.pgrp === p.pid && x.state !== 'zombie');
      expect({ result, left }).toMatchObject({ result: { alreadyExited: false, survivors: [] }, left: [] });
    }
  });

  it('[Symbol.asyncDispose] stops the process and awaits its exit', async () => {
    const p = start('sleep', ['100'], { monitor: plainMonitor() });
    let exitSeen = false;
    void p.exited.then(() => (exitSeen = true));
    const stop = vi.spyOn(p, 'stop');
    await p[Symbol.asyncDispose]();
    expect(stop).toHaveBeenCalledOnce();
    expect(isGone(p.pid)).toBe(true);
    expect(exitSeen).toBe(true);
    expect((await p.exited).signal).toBe('SIGTERM');
  });

  // It used the default 5 s grace and SIGKILL whatever spawn() was given.
  it("[Symbol.asyncDispose] stops with spawn()'s graceMs and killSignal", async () => {
    const p = start(process.execPath, [fixture('process-ignore-sigterm.mjs')], { stdio: ['ignore', 'pipe', 'ignore'], graceMs: 100, killSignal: 'SIGINT' });
    await new Promise((resolve) => p.stdout!.once('data', resolve)); // its SIGTERM handler is in place
    await p[Symbol.asyncDispose]();
    expect((await p.exited).signal).toBe('SIGINT');
  });

  // node throws for some failures to start (ENOTDIR for cwd), where the
  // native engine rejects `exited`: the engine is chosen for the caller, so
  // the failure must look the same from both.
  it('a failure to start that node throws (cwd is a file) rejects exited with either engine', async () => {
    for (const monitor of [undefined, plainMonitor()]) {
      const p = spawn('true', [], { cwd: '/etc/passwd', stdio: 'ignore', ...(monitor ? { monitor } : {}) });
      expect(p.pid).toBeNaN();
      await expect(p.exited).rejects.toMatchObject({ code: 'ENOTDIR' });
    }
  });

  it('refuses a closed monitor before starting anything', () => {
    const m = plainMonitor();
    m.close();
    expect(() => spawn('true', [], { monitor: m })).toThrow(MonitorClosedError);
  });

  it('exited rejects with MonitorClosedError when the monitor closes before the exit', async () => {
    const m = plainMonitor();
    const p = start('sleep', ['100'], { monitor: m });
    m.close();
    await expect(p.exited).rejects.toBeInstanceOf(MonitorClosedError);
    // stop() still reaches the running child.
    expect((await p.stop({ graceMs: LIVENESS_MS })).alreadyExited).toBe(false);
  });

  it('validates its arguments', () => {
    expect(() => spawn('' as string)).toThrow(RangeError);
    expect(() => spawn(3 as unknown as string)).toThrow(TypeError);
    expect(() => spawn('true', [1 as unknown as string])).toThrow(TypeError);
    expect(() => spawn('true', 'x' as unknown as string[])).toThrow(/Expected `args` to be an array of strings, got `"x"` \(string\)/);
    expect(() => spawn('tr\0ue')).toThrow(/Expected `command` to contain no null bytes/);
    expect(() => spawn('true', [], { containerId: 'c' })).toThrow(TypeError);
    expect(() => spawn('true', [], { processGroup: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => spawn('true', [], { monitor: {} as ExitMonitor })).toThrow(TypeError);
    // They were accepted: the first made a session (a group) anyway, the second dropped `detached`.
    expect(() => spawn('true', [], { session: true, processGroup: false })).toThrow(/Expected `options.processGroup` not to be false with `session: true`/);
    expect(() => spawn('true', [], { detached: true, processGroup: false })).toThrow(/not to be false with `detached: true`/);
  });

  // uid: -1 is "unchanged" to setuid(2): the native engine ran the command as
  // ourselves where node refused it; a bad stdio was refused by each runtime
  // in its own way (Bun, Deno: a plain Error, or only when exited rejected).
  it.each(['native', 'child_process'] as const)('refuses the same bad uid, gid and stdio with either engine (%s), before anything starts', (engine) => {
    for (const stdio of [undefined, 'pipe', 'ignore'] as const) {
      expect(() => spawn('id', [], { engine, stdio, uid: -1 })).toThrow(/^Expected `options.uid` to be an integer from 0 to 2147483647, got `-1`/);
      expect(() => spawn('id', [], { engine, stdio, gid: -1 })).toThrow(RangeError);
    }
    expect(() => spawn('id', [], { engine, uid: 1.5 })).toThrow(RangeError);
    expect(() => spawn('id', [], { engine, gid: '0' as unknown as number })).toThrow(TypeError);
    expect(() => spawn('true', [], { engine, stdio: 'bogus' as 'pipe' })).toThrow(/^Expected `options.stdio` to be one of 'pipe', 'overlapped', 'ignore', 'inherit' or an array, got `"bogus"`/);
    expect(() => spawn('true', [], { engine, stdio: -1 as unknown as 'pipe' })).toThrow(TypeError);
    expect(() => spawn('true', [], { engine, stdio: ['pipe', 'pipe', 'pipe', 'bogus' as 'pipe'] })).toThrow(/^Expected `options.stdio\[3\]` to be 'pipe', 'ignore', 'inherit', 'ipc', null, a file descriptor or a stream with one/);
    expect(() => spawn('true', [], { engine, stdio: [{} as unknown as 'pipe', 'pipe', 'pipe'] })).toThrow(TypeError);
    expect(() => spawn('true', [], { engine, stdio: ['ignore', -2, 'ignore'] })).toThrow(RangeError);
  });

  it('uses the shared reaper monitor by default', async () => {
    const p = start('sh', ['-c', 'exit 7']);
    const viaMonitor = Reaper.shared().monitor.waitPid(p.pid, { timeout: LIVENESS_MS });
    expect((await p.exited).code).toBe(7);
    expect(await viaMonitor).toBe(await p.exited);
  });
});
