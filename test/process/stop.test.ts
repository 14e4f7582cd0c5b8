import { spawn as nodeSpawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ownProcessGroup } from '../../src/process/proc-stat.js';
import { stopProcessGroup, stopProcessTree } from '../../src/process/stop.js';
import { isGone, isLinux, killAll, startGroup, track, waitFor } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  killAll();
});

// Generous: stops here take milliseconds, but CI machines are shared and slow.
const LIVENESS_MS = 10_000;

describe.skipIf(!isLinux)('stopProcessGroup', () => {
  // aurae #599: only the leader was signalled and the rest of the group lived on.
  it('stops every member of a group of three within the grace', async () => {
    const group = await startGroup(['--members', '2']);
    const result = await stopProcessGroup(group.leader, { graceMs: LIVENESS_MS });
    expect(result).toMatchObject({ forced: false, alreadyExited: false, survivors: [] });
    for (const pid of [group.leader, ...group.members]) expect(isGone(pid), `pid ${pid}`).toBe(true);
    expect(result.durationMs).toBeLessThan(LIVENESS_MS);
  });

  it('SIGKILLs members that ignore SIGTERM after the grace, though the leader already died', async () => {
    const group = await startGroup(['--members', '2', '--ignore-term']);
    const leaderExit = new Promise((r) => group.child.once('exit', (_code, signal) => r(signal)));
    const result = await stopProcessGroup(group.leader, { graceMs: 300 });
    expect(await leaderExit).toBe('SIGTERM');
    expect(result).toMatchObject({ forced: true, alreadyExited: false, survivors: [] });
    for (const pid of group.members) expect(isGone(pid), `member ${pid}`).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
  });

  it('escalates even when the leader itself ignores SIGTERM', async () => {
    const group = await startGroup(['--members', '1', '--leader-ignores-term']);
    const result = await stopProcessGroup(group.leader, { graceMs: 200 });
    expect(result).toMatchObject({ forced: true, survivors: [] });
    expect(isGone(group.leader)).toBe(true);
  });

  it('leaves a member that escaped with setsid alone (stopProcessTree is for that)', async () => {
    const group = await startGroup(['--members', '1', '--escape']);
    await stopProcessGroup(group.leader, { graceMs: LIVENESS_MS });
    expect(isGone(group.members[0]!)).toBe(true);
    expect(isGone(group.escaped[0]!)).toBe(false);
  });

  it('is idempotent: a second stop resolves alreadyExited', async () => {
    const group = await startGroup(['--members', '2']);
    const first = await stopProcessGroup(group.leader, { graceMs: LIVENESS_MS });
    expect(first.alreadyExited).toBe(false);
    const second = await stopProcessGroup(group.leader, { graceMs: LIVENESS_MS });
    expect(second).toMatchObject({ forced: false, alreadyExited: true, survivors: [] });
  });

  it('resolves alreadyExited after a natural exit, with ESRCH not an error', async () => {
    const child = nodeSpawn('true', [], { detached: true });
    await new Promise((r) => child.once('exit', r));
    const kill = vi.spyOn(process, 'kill');
    const result = await stopProcessGroup(child.pid!);
    expect(result).toMatchObject({ forced: false, alreadyExited: true, survivors: [] });
    expect(kill).not.toHaveBeenCalledWith(expect.anything(), 15);
  });

  it('signalAbort rejects the wait with its reason; the signal already sent stays sent', async () => {
    const group = await startGroup(['--members', '1', '--ignore-term']);
    const controller = new AbortController();
    const stopping = stopProcessGroup(group.leader, { graceMs: LIVENESS_MS, signalAbort: controller.signal });
    await waitFor(() => isGone(group.leader), LIVENESS_MS, 'the leader to take SIGTERM');
    controller.abort(new Error('enough'));
    await expect(stopping).rejects.toThrow('enough');
    // No escalation happened: the member that ignores SIGTERM is still there.
    expect(isGone(group.members[0]!)).toBe(false);
  });

  it('an already aborted signalAbort signals nothing', async () => {
    const group = await startGroup(['--members', '1']);
    const kill = vi.spyOn(process, 'kill');
    await expect(stopProcessGroup(group.leader, { signalAbort: AbortSignal.abort() })).rejects.toThrow();
    expect(kill).not.toHaveBeenCalled();
    expect(isGone(group.leader)).toBe(false);
  });

  it('validates options', async () => {
    const kill = vi.spyOn(process, 'kill');
    await expect(stopProcessGroup(999_999, { graceMs: -1 })).rejects.toThrow(RangeError);
    await expect(stopProcessGroup(999_999, { graceMs: '5' as unknown as number })).rejects.toThrow(TypeError);
    await expect(stopProcessGroup(999_999, { signal: 'SIGNOPE' as NodeJS.Signals })).rejects.toThrow(RangeError);
    await expect(stopProcessGroup(999_999, { killSignal: 9 as unknown as NodeJS.Signals })).rejects.toThrow(TypeError);
    await expect(stopProcessGroup(999_999, { signalAbort: {} as AbortSignal })).rejects.toThrow(TypeError);
    await expect(stopProcessGroup(999_999, 'x' as never)).rejects.toThrow(TypeError);
    expect(kill).not.toHaveBeenCalled();
  });
});

describe.skipIf(!isLinux)('stopProcessTree', () => {
  it('stops a setsid escapee along with the group', async () => {
    const group = await startGroup(['--members', '2', '--escape', '--ignore-term']);
    const result = await stopProcessTree(group.leader, { graceMs: 300 });
    expect(result).toMatchObject({ forced: true, alreadyExited: false, survivors: [] });
    for (const pid of [group.leader, ...group.members, ...group.escaped]) expect(isGone(pid), `pid ${pid}`).toBe(true);
  });

  it('finds an escapee that was already orphaned before the stop, through its group', async () => {
    const group = await startGroup(['--members', '1', '--escape']);
    // The escapee still leads group escaped[0]; kill only the leader first so the
    // escapee loses its ppid link, then stop the tree of the escapee itself.
    process.kill(group.leader, 'SIGKILL');
    await waitFor(() => isGone(group.leader), LIVENESS_MS, 'the leader to die');
    const result = await stopProcessTree(group.escaped[0]!, { graceMs: LIVENESS_MS });
    expect(result).toMatchObject({ alreadyExited: false, survivors: [] });
    expect(isGone(group.escaped[0]!)).toBe(true);
  });

  it('is idempotent and stops after a natural exit with alreadyExited', async () => {
    const group = await startGroup(['--members', '1', '--escape']);
    await stopProcessTree(group.leader, { graceMs: LIVENESS_MS });
    expect(await stopProcessTree(group.leader)).toMatchObject({ alreadyExited: true, forced: false, survivors: [] });
    const child = nodeSpawn('true');
    await new Promise((r) => child.once('exit', r));
    expect(await stopProcessTree(child.pid!)).toMatchObject({ alreadyExited: true });
  });

  it('signals a child in our own group one by one, never the group', async () => {
    const child = nodeSpawn('sleep', ['100']);
    track([child.pid!]);
    const kill = vi.spyOn(process, 'kill');
    const result = await stopProcessTree(child.pid!, { graceMs: LIVENESS_MS });
    expect(result.survivors).toEqual([]);
    expect(isGone(child.pid!)).toBe(true);
    for (const [target] of kill.mock.calls) expect(target).not.toBe(-ownProcessGroup()!);
  });
});

describe.skipIf(!isLinux)('safety guards', () => {
  const ownGroup = isLinux ? ownProcessGroup()! : 0;
  const forbidden: [string, number][] = [
    ['pid 1', 1],
    ['pid 0', 0],
    ['a negative pid', -5],
    ['this process', process.pid],
    ["this process's own group", ownGroup],
  ];

  for (const [what, target] of forbidden) {
    it(`stopProcessGroup(${what}) is a RangeError and signals nothing`, async () => {
      const kill = vi.spyOn(process, 'kill');
      await expect(stopProcessGroup(target)).rejects.toThrow(RangeError);
      expect(kill).not.toHaveBeenCalled();
    });

    it(`stopProcessTree(${what}) is a RangeError and signals nothing`, async () => {
      const kill = vi.spyOn(process, 'kill');
      await expect(stopProcessTree(target)).rejects.toThrow(RangeError);
      expect(kill).not.toHaveBeenCalled();
    });
  }

  it('argument errors name what was expected and what came', async () => {
    await expect(stopProcessGroup(-3)).rejects.toThrow('Expected `pgid` to be a positive integer, got `-3` (number)');
    await expect(stopProcessTree('7' as unknown as number)).rejects.toThrow(TypeError);
    await expect(stopProcessTree(2.5)).rejects.toThrow(RangeError);
  });
});
