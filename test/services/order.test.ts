// Start and stop order of a dependency graph, checked from the timestamps the
// services themselves write (not from the manager's own account).
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, eventsOf, loggerService, managerFor, readLog, tempDir, when } from './helpers.js';

afterEach(cleanup);

//        web
//       /   \
//     api   worker
//     / \    /
//  cache  db
function dag(dir: string) {
  return {
    grace: '5s',
    services: {
      web: loggerService('web', dir, { after: ['api', 'worker'] }),
      api: loggerService('api', dir, { after: ['db', 'cache'] }),
      worker: loggerService('worker', dir, { after: ['db'] }),
      db: loggerService('db', dir),
      cache: loggerService('cache', dir),
    },
  };
}

describe('ServiceManager order', () => {
  it('starts a 5-service DAG in dependency order and stops it in reverse order', async () => {
    const dir = tempDir();
    const { manager, events } = managerFor(dag(dir));
    await manager.start();
    const status = manager.status();
    for (const name of ['web', 'api', 'worker', 'db', 'cache']) expect(status[name]).toMatchObject({ state: 'ready', restarts: 0 });
    const started = readLog(dir);
    // A service starts after everything in its `after` wrote its start line.
    expect(when(started, 'start', 'api')).toBeGreaterThan(when(started, 'start', 'db'));
    expect(when(started, 'start', 'api')).toBeGreaterThan(when(started, 'start', 'cache'));
    expect(when(started, 'start', 'worker')).toBeGreaterThan(when(started, 'start', 'db'));
    expect(when(started, 'start', 'web')).toBeGreaterThan(when(started, 'start', 'api'));
    expect(when(started, 'start', 'web')).toBeGreaterThan(when(started, 'start', 'worker'));

    const result = await manager.stop();
    expect(result).toMatchObject({ forced: false, survivors: [] });
    const log = readLog(dir);
    // A service stops only after every dependent wrote its stop line.
    expect(when(log, 'stop', 'api')).toBeGreaterThan(when(log, 'stop', 'web'));
    expect(when(log, 'stop', 'worker')).toBeGreaterThan(when(log, 'stop', 'web'));
    expect(when(log, 'stop', 'db')).toBeGreaterThan(when(log, 'stop', 'api'));
    expect(when(log, 'stop', 'db')).toBeGreaterThan(when(log, 'stop', 'worker'));
    expect(when(log, 'stop', 'cache')).toBeGreaterThan(when(log, 'stop', 'api'));
    for (const name of ['web', 'api', 'worker', 'db', 'cache']) {
      expect(eventsOf(events, name)).toEqual(['starting', 'ready', 'stopping', 'stopped']);
      expect(manager.status()[name]).toMatchObject({ state: 'stopped', pid: undefined });
    }
  });

  it('stopping 12 services prints no MaxListenersExceededWarning (each stop listens to the one escalation signal)', async () => {
    const services = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`s${i}`, { command: ['sleep', '30'] }]));
    const { manager } = managerFor({ grace: '5s', services });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      await manager.start();
      expect((await manager.stop()).survivors).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    // Before: one per shutdown of 11 or more services, as plain text on stderr.
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('stops independent services in parallel: the total is less than the sum of their graces', async () => {
    const dir = tempDir();
    const names = ['a', 'b', 'c', 'd'];
    const graceMs = 800;
    const { manager } = managerFor({
      services: Object.fromEntries(names.map((n) => [n, loggerService(n, dir, { ignoreTerm: true, stopGrace: graceMs })])),
    });
    await manager.start();
    const t0 = performance.now();
    const result = await manager.stop();
    const elapsed = performance.now() - t0;
    expect(result).toMatchObject({ forced: true, survivors: [] });
    expect(elapsed).toBeGreaterThanOrEqual(graceMs - 50);
    expect(elapsed).toBeLessThan(graceMs * names.length);
  });

  it('kills a service that ignores SIGTERM after its own stopGrace while its dependency waits', async () => {
    const dir = tempDir();
    const { manager, events } = managerFor({
      grace: '10s',
      services: {
        db: loggerService('db', dir),
        api: loggerService('api', dir, { after: ['db'], ignoreTerm: true, stopGrace: '400ms' }),
      },
    });
    await manager.start();
    const result = await manager.stop();
    expect(result).toMatchObject({ forced: true, survivors: [] });
    const at = (service: string, event: string) => events.find((e) => e.service === service && e.event === event)!;
    // api: SIGTERM ignored, SIGKILL after its 400ms (not the 10s default).
    expect(at('api', 'stopped').at - at('api', 'stopping').at).toBeGreaterThanOrEqual(350);
    expect(at('api', 'stopped').at - at('api', 'stopping').at).toBeLessThan(9000);
    expect(at('api', 'stopped').status).toBe(128 + 9);
    // db was asked to stop only once api was gone, and stopped politely.
    expect(at('db', 'stopping').at).toBeGreaterThanOrEqual(at('api', 'stopped').at);
    expect(at('db', 'stopped').status).toBe(0);
    expect(BigInt(at('api', 'stopped').at) * 1_000_000n).toBeLessThanOrEqual(when(readLog(dir), 'stop', 'db') + 1_000_000n);
  });

  it('a second stop (forceStop) skips the rest of the grace', async () => {
    const dir = tempDir();
    const { manager } = managerFor({ services: { slow: loggerService('slow', dir, { ignoreTerm: true, stopGrace: '20s' }) } });
    await manager.start();
    const stopping = manager.stop();
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const result = await manager.forceStop();
    expect(result).toBe(await stopping);
    expect(result).toMatchObject({ forced: true, survivors: [] });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('forceStop() with no stop in progress sends SIGKILL at once: a service that handles SIGTERM never sees one', async () => {
    const dir = tempDir();
    // The logger fixture writes a 'stop' line when it gets SIGTERM.
    const { manager, events } = managerFor({ services: { polite: loggerService('polite', dir) } });
    await manager.start();
    const result = await manager.forceStop();
    expect(result).toMatchObject({ forced: true, survivors: [] });
    expect(readLog(dir).filter((l) => l.what === 'stop')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: 'stopped', status: 137 });
  });
});
