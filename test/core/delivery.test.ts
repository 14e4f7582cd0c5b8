import { describe, expect, it } from 'vitest';
import { ExitMonitor, type ExitEvent } from '../../src/index.js';
import { flush, until } from '../helpers.js';

// A pino-like logger that records what it was given.
function recordingLogger() {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } };
}

describe('delivery', () => {
  it('a throwing listener is counted and logged, keeps its place, and others are unaffected', async () => {
    const { lines, logger } = recordingLogger();
    const monitor = new ExitMonitor({ logger });
    const faulty: number[] = [];
    const healthy: number[] = [];
    monitor.subscribe('all', (e) => {
      faulty.push(e.pid);
      throw new Error(`bug ${e.pid}`);
    });
    monitor.subscribe('all', (e) => void healthy.push(e.pid));
    let uncaught = 0;
    const onUncaught = (): void => void uncaught++;
    process.on('uncaughtException', onUncaught);
    try {
      for (let pid = 1; pid <= 3; pid++) monitor.publish({ pid });
      await flush();
      await new Promise((r) => setTimeout(r, 20)); // RxJS-style re-throws would land by now
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(faulty).toEqual([1, 2, 3]);
    expect(healthy).toEqual([1, 2, 3]);
    expect(uncaught).toBe(0);
    expect(monitor.stats().listenerErrors).toBe(3);
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(3);
  });

  it('an observer that throws in next is isolated too', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    const seen: number[] = [];
    sub.events.subscribe((e) => {
      seen.push(e.pid);
      throw new Error('observer bug');
    });
    let uncaught = 0;
    const onUncaught = (): void => void uncaught++;
    process.on('uncaughtException', onUncaught);
    try {
      monitor.publish({ pid: 1 });
      monitor.publish({ pid: 2 });
      await flush();
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(seen).toEqual([1, 2]);
    expect(uncaught).toBe(0);
    expect(monitor.stats().listenerErrors).toBe(2);
  });

  it('a rejected async listener is counted and the next event still comes', async () => {
    const monitor = new ExitMonitor();
    const seen: number[] = [];
    monitor.subscribe('all', async (e) => {
      seen.push(e.pid);
      throw new Error('async bug');
    });
    monitor.publish({ pid: 1 });
    monitor.publish({ pid: 2 });
    await until(() => seen.length === 2 && monitor.stats().listenerErrors === 2);
  });

  // `then` was read outside the try: the getter's error escaped the delivery
  // slice as an unhandled rejection and the rest of that backlog waited.
  it('a listener result whose `then` getter throws is counted like a throwing listener; its next event still comes', async () => {
    const monitor = new ExitMonitor();
    const seen: number[] = [];
    monitor.subscribe('all', (e) => {
      seen.push(e.pid);
      return e.pid === 1 ? { get then(): never { throw new Error('then getter') } } : undefined;
    });
    monitor.publish({ pid: 1 });
    monitor.publish({ pid: 2 });
    await monitor.drain({ timeout: 5_000 });
    expect(seen).toEqual([1, 2]);
    expect(monitor.stats().listenerErrors).toBe(1);
  });

  it('re-entrant publish and subscribe inside listeners keep FIFO order', async () => {
    const monitor = new ExitMonitor();
    const first: number[] = [];
    const second: number[] = [];
    let late: number[] | undefined;
    monitor.subscribe('all', (e) => {
      first.push(e.pid);
      if (e.pid === 1) monitor.publish({ pid: 10 }); // published while 2 and 3 are buffered
      if (e.pid === 2 && late === undefined) {
        late = [];
        const into = late;
        monitor.subscribe('all', (x) => void into.push(x.pid));
      }
    });
    monitor.subscribe('all', (e) => void second.push(e.pid));
    monitor.publish({ pid: 1 });
    monitor.publish({ pid: 2 });
    monitor.publish({ pid: 3 });
    await flush(10);
    expect(first).toEqual([1, 2, 3, 10]);
    expect(second).toEqual([1, 2, 3, 10]); // RxJS Subject would give this one 10 before 2
    expect(late).toEqual([]); // subscribed after 10 was published
  });

  it('an async consumer taking 50 ms per event does not delay a fast one', async () => {
    const monitor = new ExitMonitor();
    const slow: number[] = [];
    let fast = 0;
    let slowWhenFastDone = -1;
    monitor.subscribe('all', async (e) => {
      await new Promise((r) => setTimeout(r, 50));
      slow.push(e.pid);
    });
    monitor.subscribe('all', () => {
      if (++fast === 20) slowWhenFastDone = slow.length;
    });
    for (let pid = 1; pid <= 20; pid++) monitor.publish({ pid });
    await until(() => fast === 20);
    // The fast one had everything before the slow one finished its first
    // event: it never waited for the slow one's 50 ms per event.
    expect(slowWhenFastDone).toBe(0);
    await until(() => slow.length === 20, 10_000, 'the slow consumer');
    expect(slow).toEqual(Array.from({ length: 20 }, (_, i) => i + 1)); // awaited in order
  });

  it('delivers in time-bounded slices so timers and I/O run while a sync consumer is slow', async () => {
    const monitor = new ExitMonitor({ sliceMs: 4 });
    let delivered = 0;
    monitor.subscribe('all', () => {
      const until = performance.now() + 2; // burns 2 ms per event
      while (performance.now() < until);
      delivered++;
    });
    for (let pid = 1; pid <= 100; pid++) monitor.publish({ pid });
    let deliveredWhenTimerRan = -1;
    setTimeout(() => (deliveredWhenTimerRan = delivered), 0);
    await until(() => delivered === 100);
    // 100 events take ~200 ms of callbacks; a timer due at once ran long before the end.
    expect(deliveredWhenTimerRan).toBeGreaterThanOrEqual(0);
    expect(deliveredWhenTimerRan).toBeLessThan(50);
  });

  it('a synchronous slow consumer does not starve a fast one: turns are bounded in time', async () => {
    const monitor = new ExitMonitor();
    let slow = 0;
    let slowWhenFastDone = -1;
    let fast = 0;
    monitor.subscribe('all', () => {
      const end = performance.now() + 2; // burns 2 ms per event
      while (performance.now() < end);
      slow++;
    });
    monitor.subscribe('all', () => {
      if (++fast === 20_000) slowWhenFastDone = slow;
    });
    for (let i = 0; i < 20_000; i++) monitor.publish({ pid: 1 + (i % 500) });
    await until(() => fast === 20_000, 20_000, 'the fast subscriber');
    // Each slice gives the fast one up to 1 ms of deliveries and the slow one a
    // callback or two; turns of a fixed 64 events would need ~300 slow callbacks.
    expect(slowWhenFastDone).toBeLessThan(100);
    monitor.close();
  });

  it('async listeners that settle at once cannot chain microtasks past I/O', async () => {
    const monitor = new ExitMonitor();
    let delivered = 0;
    monitor.subscribe('all', async () => {
      delivered++;
    });
    for (let pid = 1; pid <= 5000; pid++) monitor.publish({ pid: 1 + (pid % 100) });
    const atTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(delivered), 0));
    expect(atTimer).toBeLessThan(5000);
    await until(() => delivered === 5000);
  });

  it('a stalled subscription buffers without limit and loses nothing', async () => {
    const monitor = new ExitMonitor();
    const stalled = monitor.subscribe('all');
    const live: ExitEvent[] = [];
    monitor.subscribe('all', (e) => void live.push(e));
    for (let i = 1; i <= 50_000; i++) monitor.publish({ pid: 1 + (i % 1000) });
    await until(() => live.length === 50_000);
    expect(stalled.backlog).toBe(50_000);
    let expected = 1;
    for (let i = 0; i < 50_000; i++) {
      const e = await stalled.next();
      if (e.seq !== expected++) throw new Error(`out of order at ${i}`);
    }
    expect(stalled.backlog).toBe(0);
  });
});
