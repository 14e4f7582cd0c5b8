// Type-level tests of the public services API (checked by `vitest --typecheck`).
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  ExitMonitor,
  ServiceManager,
  type ExitEvent,
  type ServiceEvent,
  type ServiceState,
  type ServiceStatus,
  type ServicesConfig,
  type StopResult,
} from '../../src/index.js';

describe('public services types', () => {
  it('ServiceManager: the contract shape', () => {
    const config: ServicesConfig = {
      grace: '5s',
      services: {
        db: { command: ['sh', '-c', 'exec my-db'], stopSignal: 'SIGINT', stopGrace: '10s', ready: { tcp: '127.0.0.1:5432' }, readyTimeout: 30_000 },
        migrate: { command: './migrate.sh', after: ['db'], oneshot: true },
        web: { command: 'node server.js', after: ['db', 'migrate'], restart: 'on-failure', restartDelay: '100ms', maxRestarts: 5, env: { PORT: '8080' }, cwd: './web' },
      },
    };
    const manager = new ServiceManager(config, { monitor: new ExitMonitor(), logger: console });
    expectTypeOf(ServiceManager.load('exitmon.yaml')).toEqualTypeOf<Promise<ServiceManager>>();
    expectTypeOf(manager.start()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(manager.stop()).toEqualTypeOf<Promise<StopResult>>();
    expectTypeOf(manager.restart('web')).toEqualTypeOf<Promise<void>>();
    expectTypeOf(manager.status()).toEqualTypeOf<Record<string, ServiceStatus>>();
    expectTypeOf(manager.events).toEqualTypeOf<Observable<ServiceEvent>>();
    expectTypeOf(manager).toMatchTypeOf<AsyncDisposable>();
  });

  it('ServiceStatus and ServiceEvent', () => {
    expectTypeOf<ServiceState>().toEqualTypeOf<'pending' | 'starting' | 'running' | 'ready' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'failed'>();
    expectTypeOf<ServiceStatus['lastExit']>().toEqualTypeOf<ExitEvent | undefined>();
    expectTypeOf<ServiceEvent['event']>().toEqualTypeOf<'starting' | 'ready' | 'exited' | 'restarting' | 'failed' | 'stopping' | 'stopped'>();
    expectTypeOf<ServiceEvent['pid']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ServiceEvent['restarts']>().toEqualTypeOf<number>();
    expectTypeOf<ServiceEvent['at']>().toEqualTypeOf<number>();
  });
});
