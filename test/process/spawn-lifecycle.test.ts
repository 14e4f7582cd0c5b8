// spawn's lifecycle options, on both engines: timeout and abort stop the whole
// group, cleanup kills managed groups when the parent dies, killSignal must
// terminate, and a restart with the same execId is waited for (issue 11).
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, listProcesses } from '../../src/process/proc-stat.js';
import { spawn, type ManagedProcess, type ManagedSpawnOptions } from '../../src/process/spawn.js';
import { Reaper } from '../../src/sources/reaper.js';
import { fixture, isLinux, killAll, track, waitFor } from './helpers.js';

const LIVENESS_MS = 15_000;

function start(command: string, args: string[] = [], options: ManagedSpawnOptions = {}): ManagedProcess {
  const p = spawn(command, args, options);
  if (!Number.isNaN(p.pid)) track([p.pid], { asGroups: p.pgid !== undefined });
  return p;
}

// Live (non-zombie) members of a process group.
function groupMembers(pgid: number): number[] {
  return listProcesses()
    .filter((p) => p.pgrp === pgid && p.state !== 'zombie' && p.state !== 'dead')
    .map((p) => p.pid);
}

afterEach(() => killAll());

// Runs test/fixtures/process-unref.mjs to its end: its JSON lines (the first
// names the child) and its exit code. A parent held by its child never ends:
// the test then times out.
async function runUnrefParent(engine: string, mode: string): Promise<{ pid: number; code: number | null; lines: Record<string, number>[] }> {
  const parent = nodeSpawn(process.execPath, ['--import', 'tsx', fixture('process-unref.mjs'), engine, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  track([parent.pid!]);
  let out = '';
  parent.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => parent.once('close', (c) => resolve(c)));
  const lines = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
  return { pid: lines[0]!.pid!, code, lines };
}

// Starts a parent fixture (tracked) and resolves with its first line of output.
async function startParent(file: string, engine: string): Promise<{ parent: ChildProcess; line: string }> {
  const parent = nodeSpawn(process.execPath, ['--import', 'tsx', fixture(file), engine], { stdio: ['ignore', 'pipe', 'inherit'] });
  track([parent.pid!]);
  const line = await new Promise<string>((resolve, reject) => {
    parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
    parent.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()));
  });
  return { parent, line };
}

describe.skipIf(!isLinux)('spawn lifecycle', () => {
  for (const engine of ['native', 'child_process'] as const) {
    describe(`engine ${engine}`, () => {
      it("timeout stops the whole group of sh -c 'sleep 100 & sleep 101', leaving 0 processes", async () => {
        const p = start('sh', ['-c', 'sleep 100 & sleep 101'], { engine, stdio: 'ignore', timeout: 200, graceMs: 2000 });
        await waitFor(() => groupMembers(p.pgid!).length >= 2, LIVENESS_MS, 'the sleeps');
        await p.exited;
        await waitFor(() => groupMembers(p.pgid!).length === 0, LIVENESS_MS, 'an empty group');
      });

      it('timeout: 0 is no timeout, as in node:child_process', async () => {
        const p = start('sh', ['-c', 'sleep 0.3; exit 4'], { engine, stdio: 'ignore', timeout: 0 });
        expect((await p.exited).code).toBe(4);
      });

      it('an abort signal stops the whole group', async () => {
        const controller = new AbortController();
        const p = start('sh', ['-c', 'sleep 100 & sleep 101 & wait'], { engine, stdio: 'ignore', signal: controller.signal });
        await waitFor(() => groupMembers(p.pgid!).length >= 3, LIVENESS_MS, 'the group');
        controller.abort();
        expect((await p.exited).signal).toBe('SIGTERM');
        await waitFor(() => groupMembers(p.pgid!).length === 0, LIVENESS_MS, 'an empty group');
      });

      // ChildProcess.unref(): the parent may end while the child runs (a daemon launcher).
      it('unref(): the parent ends while its child runs on (cleanup off)', async () => {
        const { pid, code } = await runUnrefParent(engine, 'unref');
        expect(code).toBe(0);
        track([pid], { asGroups: true });
        expect(isRunning(pid)).toBe(true);
      });

      it('unref() with cleanup on: the parent ends and its exit still kills the child', async () => {
        const { pid, code } = await runUnrefParent(engine, 'unref-cleanup');
        expect(code).toBe(0);
        track([pid], { asGroups: true });
        await waitFor(() => groupMembers(pid).length === 0, LIVENESS_MS, 'the child gone');
      });

      it('ref() after unref(): the parent waits for the exit again', async () => {
        const { lines, code } = await runUnrefParent(engine, 'reref');
        expect(code).toBe(0);
        expect(lines[1]).toEqual({ code: 4 });
      });

      it('cleanup: once its children are gone, a busy parent dies of SIGTERM at once (no listener left behind)', async () => {
        const { parent, line } = await startParent('process-busy-after-exit.mjs', engine);
        expect(JSON.parse(line)).toEqual({ sigterm: 0 });
        const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => parent.once('exit', (code, signal) => resolve([code, signal])));
        parent.kill('SIGTERM');
        // With a listener left behind it ran its 20 s busy loop out and exited 3.
        expect(await ended).toEqual([null, 'SIGTERM']);
      }, 30_000);

      it('cleanup: a parent killed by SIGTERM leaves 0 of its managed children', async () => {
        const { parent, line } = await startParent('process-cleanup-parent.mjs', engine);
        const groups = JSON.parse(line) as number[];
        track(groups, { asGroups: true });
        await waitFor(() => groupMembers(groups[1]!).length >= 3, LIVENESS_MS, 'the children');
        const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once('exit', (_code, signal) => resolve(signal)));
        parent.kill('SIGTERM');
        // The parent still dies of SIGTERM: cleanup does not change how it ends.
        expect(await exited).toBe('SIGTERM');
        await waitFor(() => groups.every((g) => groupMembers(g).length === 0), LIVENESS_MS, 'no managed child left');
      });
    });
  }

  // A worker's JS gets no 'exit' event when the main thread exits or
  // terminates it: its children ran on (and their cgroups stayed). The
  // addon's teardown of the worker's environment now sends the cleanup.
  for (const how of ['exit', 'terminate'] as const) {
    it(`cleanup: children a worker thread spawned are killed when the process ends it (${how})`, async () => {
      const parent = nodeSpawn(process.execPath, ['--import', 'tsx', fixture('process-cleanup-worker.mjs'), how], { stdio: ['ignore', 'pipe', 'inherit'] });
      track([parent.pid!]);
      const groups = JSON.parse(await new Promise<string>((resolve) => parent.stdout!.once('data', (c: Buffer) => resolve(c.toString())))) as number[];
      track(groups, { asGroups: true });
      expect(await new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)))).toBe(0);
      await waitFor(() => groups.every((g) => groupMembers(g).length === 0), LIVENESS_MS, 'no managed child left');
    });
  }

  it('cleanup: a parent that dies of an uncaught exception leaves 0 of its managed children', async () => {
    const parent = nodeSpawn(process.execPath, ['--import', 'tsx', fixture('process-cleanup-parent.mjs'), 'native', 'throw'], { stdio: ['pipe', 'pipe', 'ignore'] });
    track([parent.pid!]);
    const groups = JSON.parse(await new Promise<string>((resolve) => parent.stdout!.once('data', (c: Buffer) => resolve(c.toString())))) as number[];
    track(groups, { asGroups: true });
    await waitFor(() => groupMembers(groups[1]!).length >= 3, LIVENESS_MS, 'the children');
    const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
    parent.stdin!.write('go\n');
    expect(await exited).toBe(1);
    await waitFor(() => groups.every((g) => groupMembers(g).length === 0), LIVENESS_MS, 'no managed child left');
  });

  it('killSignal must terminate: RangeError for SIGSTOP, SIGCONT, SIGTSTP', async () => {
    for (const killSignal of ['SIGSTOP', 'SIGCONT', 'SIGTSTP'] as const) {
      expect(() => spawn('true', [], { killSignal })).toThrow(RangeError);
    }
    const p = start('sleep', ['100'], { stdio: 'ignore' });
    await expect(p.stop({ killSignal: 'SIGSTOP' })).rejects.toBeInstanceOf(RangeError);
  });

  it('a restart with the same execId: waitExec waits for the new process (forget-on-spawn)', async () => {
    const monitor = Reaper.shared().monitor;
    const first = start('true', [], { execId: 'restart-me', stdio: 'ignore' });
    await first.exited;
    const second = start('sh', ['-c', 'sleep 0.2; exit 3'], { execId: 'restart-me', stdio: 'ignore' });
    const exit = await monitor.waitExec('restart-me', { timeout: LIVENESS_MS });
    expect(exit).toMatchObject({ pid: second.pid, code: 3 });
    // The old pid was not reused: its own exit is still remembered for it.
    expect(monitor.lastExit(first.pid)).toMatchObject({ pid: first.pid, code: 0 });
    await expect(monitor.waitPid(first.pid, { timeout: 100 })).resolves.toMatchObject({ code: 0 });
  });
});
