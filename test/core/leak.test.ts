import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ExitMonitor } from '../../src/index.js';
import { until } from '../helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// Lets FinalizationRegistry callbacks run: they need GC plus a macrotask.
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('abandoned subscriptions', () => {
  it('a pull subscription dropped undisposed is reclaimed, counted in stats().leaked and logged once', async () => {
    const warnings: unknown[] = [];
    const logger = { error() {}, info() {}, debug() {}, warn: (obj: unknown) => void warnings.push(obj) };
    const monitor = new ExitMonitor({ logger });
    (() => {
      for (let i = 0; i < 3; i++) monitor.subscribe('all');
    })();
    monitor.publish({ pid: 5 });
    expect(monitor.stats().subscriptions).toBe(3);
    await until(() => {
      gc();
      return monitor.stats().leaked === 3;
    }, 10_000, 'the finalizer');
    expect(monitor.stats()).toMatchObject({ subscriptions: 0, backlogTotal: 0 });
    expect(warnings).toHaveLength(1);
  });

  it('a listener subscription lives until unsubscribed, like emitter.on', async () => {
    const monitor = new ExitMonitor();
    const got: number[] = [];
    (() => void monitor.subscribe('all', (e) => void got.push(e.pid)))();
    await collect();
    monitor.publish({ pid: 6 });
    await until(() => got.length === 1);
    expect(monitor.stats()).toMatchObject({ leaked: 0, subscriptions: 1 });
  });

  it('an observed subscription whose handle is dropped keeps delivering', async () => {
    const monitor = new ExitMonitor();
    const got: number[] = [];
    (() => void monitor.subscribe('all').events.subscribe((e) => void got.push(e.pid)))();
    await collect();
    monitor.publish({ pid: 7 });
    await until(() => got.length === 1);
    expect(monitor.stats().leaked).toBe(0);
  });

  it('a disposed subscription is not counted as leaked', async () => {
    const monitor = new ExitMonitor();
    (() => monitor.subscribe('all').unsubscribe())();
    await collect();
    expect(monitor.stats().leaked).toBe(0);
  });
});

// A timed-out or aborted next() stayed queued (with its closures and signal)
// until an event came: a loop of timed-out pulls on a quiet topic grew for good.
describe('cancelled pulls', () => {
  it('aborted next() calls on a quiet subscription are released without any event', async () => {
    const monitor = new ExitMonitor();
    const subscription = monitor.subscribe({ pid: 5 });
    const signals = new FinalizationRegistry<void>(() => void released++);
    let released = 0;
    for (let i = 0; i < 200; i++) {
      const controller = new AbortController();
      signals.register(controller.signal, undefined);
      const pull = subscription.next({ signal: controller.signal });
      controller.abort();
      await pull.catch(() => undefined);
    }
    await until(() => {
      gc();
      return released >= 190;
    }, 10_000, 'the aborted pulls to be collected');
    // The subscription still serves the next pull in order.
    const pull = subscription.next();
    monitor.publish({ pid: 5, code: 3 });
    expect((await pull).code).toBe(3);
    monitor.close();
  });
});
