// Type-level tests of the public core API (checked by `vitest --typecheck`).
import { describe, expectTypeOf, it } from 'vitest';
import type { Observable } from 'rxjs';
import {
  ExitMonitor,
  ExitMonitorError,
  MonitorClosedError,
  NativeUnavailableError,
  NoSuchProcessError,
  SubscriptionClosedError,
  WaitTimeoutError,
  type ExitEvent,
  type ExitInit,
  type ExitSubscription,
  type MonitorStats,
  type Topic,
} from '../../src/index.js';

describe('public types', () => {
  it('Topic accepts the five forms and nothing else', () => {
    expectTypeOf<'all'>().toMatchTypeOf<Topic>();
    expectTypeOf<'pid'>().toMatchTypeOf<Topic>();
    expectTypeOf<'exec'>().toMatchTypeOf<Topic>();
    expectTypeOf<{ pid: number }>().toMatchTypeOf<Topic>();
    expectTypeOf<{ execId: string; containerId?: string }>().toMatchTypeOf<Topic>();
    expectTypeOf<'other'>().not.toMatchTypeOf<Topic>();
    expectTypeOf<{ pid: string }>().not.toMatchTypeOf<Topic>();
  });

  it('ExitEvent has the contract fields, all readonly', () => {
    expectTypeOf<ExitEvent>().toHaveProperty('seq').toEqualTypeOf<number>();
    expectTypeOf<ExitEvent['code']>().toEqualTypeOf<number | null>();
    expectTypeOf<ExitEvent['signal']>().toEqualTypeOf<NodeJS.Signals | null>();
    expectTypeOf<ExitEvent['outcome']>().toEqualTypeOf<'reaped' | 'observed' | 'unknown'>();
    expectTypeOf<ExitEvent['execId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ExitEvent>().toMatchTypeOf<{ readonly status: number; readonly coreDumped: boolean; readonly timestamp: number }>();
    expectTypeOf<{ pid: number }>().toMatchTypeOf<ExitInit>();
  });

  it('subscriptions and monitors are Disposable; subscriptions are AsyncIterable with an rxjs Observable', () => {
    const monitor = new ExitMonitor();
    expectTypeOf(monitor).toMatchTypeOf<Disposable>();
    const sub = monitor.subscribe({ pid: 1 });
    expectTypeOf(sub).toEqualTypeOf<ExitSubscription>();
    expectTypeOf(sub).toMatchTypeOf<Disposable>();
    expectTypeOf(sub).toMatchTypeOf<AsyncIterable<ExitEvent>>();
    expectTypeOf(sub.events).toEqualTypeOf<Observable<ExitEvent>>();
    expectTypeOf(sub.next()).toEqualTypeOf<Promise<ExitEvent>>();
    expectTypeOf(monitor.waitPid(1)).toEqualTypeOf<Promise<ExitEvent>>();
    expectTypeOf(monitor.waitExec('x', { containerId: 'c', timeout: 5 })).toEqualTypeOf<Promise<ExitEvent>>();
    expectTypeOf(monitor.lastExit(1)).toEqualTypeOf<ExitEvent | undefined>();
    expectTypeOf(monitor.stats()).toEqualTypeOf<MonitorStats>();
    // @ts-expect-error a listener takes an ExitEvent
    monitor.subscribe('all', (e: string) => e);
    // @ts-expect-error topics are checked
    monitor.subscribe('everything');
  });

  it('domain errors extend ExitMonitorError and carry a string code', () => {
    expectTypeOf<SubscriptionClosedError>().toMatchTypeOf<ExitMonitorError>();
    expectTypeOf<MonitorClosedError>().toMatchTypeOf<ExitMonitorError>();
    expectTypeOf<WaitTimeoutError>().toMatchTypeOf<ExitMonitorError>();
    expectTypeOf<NoSuchProcessError>().toMatchTypeOf<ExitMonitorError>();
    expectTypeOf<NativeUnavailableError>().toMatchTypeOf<ExitMonitorError>();
    expectTypeOf<ExitMonitorError['code']>().toEqualTypeOf<string>();
    expectTypeOf<ExitMonitorError>().toMatchTypeOf<Error>();
  });
});
