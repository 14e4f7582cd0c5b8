// Type-level tests of the public reaper and process API (checked by `vitest --typecheck`).
import type { ChildProcess } from 'node:child_process';
import { describe, expectTypeOf, it } from 'vitest';
import {
  ExitMonitor,
  Reaper,
  isRunning,
  readProcessState,
  spawn,
  stopProcessGroup,
  stopProcessTree,
  type ExitEvent,
  type ManagedProcess,
  type ProcessState,
  type ReaperBackend,
  type ReaperStats,
  type StopResult,
} from '../../src/index.js';

describe('public reaper and process types', () => {
  it('Reaper: shared() or per monitor, a closed backend union, Disposable', () => {
    expectTypeOf(Reaper.shared()).toEqualTypeOf<Reaper>();
    const reaper = new Reaper(new ExitMonitor(), { backend: 'auto', pollIntervalMs: 50, sweepIntervalMs: 500 });
    expectTypeOf(reaper.backend).toEqualTypeOf<ReaperBackend>();
    expectTypeOf<ReaperBackend>().toEqualTypeOf<'pidfd' | 'poll'>();
    expectTypeOf(reaper.monitor).toEqualTypeOf<ExitMonitor>();
    expectTypeOf(reaper).toMatchTypeOf<Disposable>();
    expectTypeOf(reaper.watch(1, { reap: false, execId: 'e', containerId: 'c' })).toEqualTypeOf<void>();
    expectTypeOf(reaper.becomeSubreaper({ adoptOrphans: true })).toEqualTypeOf<boolean>();
    expectTypeOf(reaper.stats()).toEqualTypeOf<ReaperStats>();
    expectTypeOf<ReaperStats>().toMatchTypeOf<{
      watched: number; reapedTotal: number; observedTotal: number; unknownTotal: number;
      adoptedTotal: number; sweeps: number; lastSweepAt: number | null; errors: number;
    }>();
    expectTypeOf(reaper.adopted()).toEqualTypeOf<number[]>();
    expectTypeOf(reaper.stopAdopted({ graceMs: 100, killSignal: 'SIGKILL' })).toEqualTypeOf<Promise<StopResult>>();
    expectTypeOf(reaper.ref()).toEqualTypeOf<Reaper>();
    expectTypeOf(reaper.unref().ref().refed).toEqualTypeOf<boolean>();
    // @ts-expect-error refed is readonly
    reaper.refed = true;
    // @ts-expect-error backends are 'auto', 'pidfd' or 'poll'
    new Reaper(new ExitMonitor(), { backend: 'epoll' });
    // @ts-expect-error backend is readonly
    reaper.backend = 'poll';
  });

  it('spawn: a ManagedProcess that is AsyncDisposable, with an exit promise', () => {
    const managed = spawn('true', [], { execId: 'job', containerId: 'c', processGroup: true, stdio: 'ignore' });
    expectTypeOf(managed).toEqualTypeOf<ManagedProcess>();
    expectTypeOf(spawn('true', { monitor: new ExitMonitor() })).toEqualTypeOf<ManagedProcess>();
    expectTypeOf(managed).toMatchTypeOf<AsyncDisposable>();
    expectTypeOf(managed.pid).toEqualTypeOf<number>();
    expectTypeOf(managed.pgid).toEqualTypeOf<number | undefined>();
    expectTypeOf(managed.child).toEqualTypeOf<ChildProcess | undefined>();
    expectTypeOf(managed.exited).toEqualTypeOf<Promise<ExitEvent>>();
    expectTypeOf(managed.stop({ signal: 'SIGINT', graceMs: 100, killSignal: 'SIGKILL' })).toEqualTypeOf<Promise<StopResult>>();
    // @ts-expect-error signals are NodeJS.Signals names
    managed.stop({ signal: 'SIGNOPE' });
    // @ts-expect-error args are strings
    spawn('true', [1]);
  });

  it('stop helpers and /proc state', () => {
    expectTypeOf(stopProcessGroup(1234, { signalAbort: AbortSignal.timeout(10) })).toEqualTypeOf<Promise<StopResult>>();
    expectTypeOf(stopProcessTree(1234)).toEqualTypeOf<Promise<StopResult>>();
    expectTypeOf<StopResult>().toEqualTypeOf<{ forced: boolean; alreadyExited: boolean; survivors: number[]; durationMs: number }>();
    expectTypeOf(readProcessState(1)).toEqualTypeOf<ProcessState | null>();
    expectTypeOf(isRunning(1)).toEqualTypeOf<boolean>();
    expectTypeOf<'zombie'>().toMatchTypeOf<ProcessState>();
    expectTypeOf<'gone'>().not.toMatchTypeOf<ProcessState>();
  });
});
