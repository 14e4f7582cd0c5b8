// cgroup containment: a fresh cgroup v2 per process, placed at clone time,
// stop() ends with cgroup.kill, resources on the exit, nothing left behind.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeUnavailableError } from '../../src/core/errors.js';
import { loadNative } from '../../src/native/load.js';
import { probeCgroupBase } from '../../src/process/cgroup-base.js';
import { readProcessState } from '../../src/process/proc-stat.js';
import { spawn, type ManagedProcess, type ManagedSpawnOptions } from '../../src/process/spawn.js';
import { Reaper } from '../../src/sources/reaper.js';
import { fixture, isGone, isLinux, killAll, track, waitFor } from './helpers.js';

const LIVENESS_MS = 15_000;
const canContain = isLinux && typeof loadNative()?.spawn === 'function' && probeCgroupBase().base !== null;

function start(command: string, args: string[] = [], options: ManagedSpawnOptions = {}): ManagedProcess {
  const p = spawn(command, args, options);
  if (!Number.isNaN(p.pid)) track([p.pid], { asGroups: p.pgid !== undefined });
  return p;
}

afterEach(() => killAll());

describe.skipIf(!canContain)('cgroup containment', () => {
  it('starts the child inside a fresh cgroup and removes it after the exit, with resources on the event', async () => {
    const p = start('sh', ['-c', 'cat /proc/self/cgroup; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'], { cgroup: true, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(p.cgroup).toMatch(/exitmon-\d+-\d+$/);
    const relative = p.cgroup!.slice(probeCgroupBase().base!.length - (probeCgroupBase().base!.endsWith('/') ? 1 : 0));
    expect(await text(p.stdout!)).toMatch(new RegExp(`^0::.*${relative.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const exit = await p.exited;
    expect(exit.outcome).toBe('reaped');
    expect(exit.resources).toMatchObject({ cpuUserUs: expect.any(Number), cpuSystemUs: expect.any(Number) });
    expect(exit.resources!.cpuUserUs + exit.resources!.cpuSystemUs).toBeGreaterThan(0);
    await waitFor(() => !existsSync(p.cgroup!), LIVENESS_MS, 'the cgroup directory to be removed');
  });

  it('a cgroup name taken already (left by a killed process that had our pid) is skipped, never reused or removed', async () => {
    const first = start('true', [], { cgroup: true, stdio: 'ignore' });
    const n = Number(/-(\d+)$/.exec(first.cgroup!)![1]);
    await first.exited;
    // The next two names, as a process with our pid that died by SIGKILL would have left them.
    const taken = [1, 2].map((k) => first.cgroup!.replace(/-\d+$/, `-${n + k}`));
    for (const dir of taken) mkdirSync(dir);
    try {
      // Before: EEXIST, reported as "cgroup containment … is not available here".
      const p = start('true', [], { cgroup: true, stdio: 'ignore' });
      expect(p.cgroup).toBe(first.cgroup!.replace(/-\d+$/, `-${n + 3}`));
      await p.exited;
      expect(taken.every((dir) => existsSync(dir))).toBe(true);
    } finally {
      for (const dir of taken) rmdirSync(dir);
    }
  });

  // The group signal and the signals to cgroup.procs reached the leader
  // twice: a second SIGINT is "force quit" to many programs (status 130).
  it('stop() signals each process of a contained group once: each graceful SIGINT handler runs once, exit 0', async () => {
    const p = start(process.execPath, [fixture('process-count-sigint.mjs'), '12'], { cgroup: true, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await waitFor(() => out.includes('ready'), LIVENESS_MS, 'the server to start');
    const result = await p.stop({ signal: 'SIGINT', graceMs: 5000 });
    expect(result).toMatchObject({ forced: false, survivors: [] });
    expect((await p.exited).code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('ready');
    // All 13 got it, each once.
    expect(lines.slice(1).filter((line) => line.startsWith('SIGINT 1 '))).toHaveLength(13);
    expect(lines.slice(1).filter((line) => !line.startsWith('SIGINT 1 '))).toEqual([]);
  });

  it('stop() kills a double-forked setsid daemon whose parent died, without a subreaper, and removes the cgroup', async () => {
    expect(Reaper.shared().stats().adoptedTotal).toBe(0);
    const p = start('sh', ['-c', `${fixture('process-daemonize.sh')}; sleep 100`], { cgroup: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const daemon = Number((await new Promise<Buffer>((resolve) => p.stdout!.once('data', resolve))).toString().trim());
    track([daemon], { asGroups: true });
    expect(readProcessState(daemon)).not.toBeNull();
    // Left our tree: its parent is init (no subreaper here), its session its own.
    expect(readFileSync(`/proc/${daemon}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]).not.toBe(String(p.pid));
    const result = await p.stop({ graceMs: 100 });
    expect(result).toMatchObject({ forced: true, survivors: [] });
    await waitFor(() => isGone(daemon), LIVENESS_MS, 'the daemon to be gone');
    await p.exited;
    await waitFor(() => !existsSync(p.cgroup!), LIVENESS_MS, 'the cgroup directory to be removed');
  });

  it('stop() of a contained process with signalAbort rejects with its reason at the abort, without escalating', async () => {
    const p = start('sh', ['-c', "trap '' TERM; echo up; while :; do sleep 1; done"], { cgroup: true, stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => p.stdout!.once('data', resolve));
    const controller = new AbortController();
    const stopping = p.stop({ graceMs: 60_000, signalAbort: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 100);
    const started = performance.now();
    await expect(stopping).rejects.toThrow('enough');
    expect(performance.now() - started).toBeLessThan(LIVENESS_MS); // the abort, not the 60 s grace, ended it
    expect(isGone(p.pid)).toBe(false); // SIGTERM ignored, and no SIGKILL came
    expect(await p.stop({ graceMs: 0 })).toMatchObject({ forced: true, survivors: [] });
    await p.exited;
  });

  it('a spawn refused for its arguments (a NUL byte) leaves no cgroup behind', () => {
    const base = probeCgroupBase().base!;
    const ours = (): string[] => readdirSync(base).filter((name) => name.startsWith(`exitmon-${process.pid}-`));
    const before = ours();
    expect(() => spawn('echo', ['a\0b'], { cgroup: true, stdio: 'ignore' })).toThrow(/Expected `args` to contain no null bytes/);
    expect(() => spawn('echo', [], { cgroup: 'auto', env: { A: 'x\0y' }, stdio: 'ignore' })).toThrow(TypeError);
    expect(ours()).toEqual(before);
  });

  it("where no writable cgroup2 is found, cgroup: true throws NativeUnavailableError and 'auto' runs uncontained", async () => {
    expect(() => spawn('true', [], { cgroup: true, cgroupBase: '/tmp', stdio: 'ignore' })).toThrow(NativeUnavailableError);
    const p = start('true', [], { cgroup: 'auto', cgroupBase: '/tmp', stdio: 'ignore' });
    expect(p.cgroup).toBeUndefined();
    expect((await p.exited).resources).toBeUndefined();
  });
});
