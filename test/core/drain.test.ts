// monitor.drain() and a lifecycle that loses nothing (issue 11).
import { describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ExitMonitor,
  MonitorClosedError,
  Reaper,
  SubscriptionClosedError,
  TeardownError,
  WaitTimeoutError,
  spawn,
  type ExitEvent,
} from '../../src/index.js';
import { flush } from '../helpers.js';

// Starts `n` short-lived real processes reaped into `monitor`; resolves when
// every exit was published (delivery may still be pending).
async function exitsOf(monitor: ExitMonitor, n: number): Promise<number[]> {
  const children = Array.from({ length: n }, (_, i) => spawn('sh', ['-c', `exit ${i}`], { monitor, stdio: 'ignore' }));
  await Promise.all(children.map((c) => c.exited));
  return children.map((c) => c.pid);
}

// A shim's async log writer: one appendFile per exit record.
async function withLogFile<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'exitmon-drain-'));
  try {
    return await fn(join(dir, 'exits.log'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

describe('monitor.drain()', () => {
  it('an async log listener keeps 10 of 10 exit records with drain-then-close', async () => {
    await withLogFile(async (file) => {
      const monitor = new ExitMonitor();
      const reaper = new Reaper(monitor);
      monitor.subscribe('all', async (e) => {
        await delay(5);
        await appendFile(file, `${e.pid} ${e.code}\n`);
      });
      const pids = await exitsOf(monitor, 10);
      await monitor.drain();
      reaper.close();
      monitor.close();
      const logged = await lines(file);
      expect(logged).toHaveLength(10);
      expect(logged.map((l) => Number(l.split(' ')[0])).sort()).toEqual([...pids].sort());
    });
  });

  it('without drain, close drops what is buffered (the loss drain exists for)', async () => {
    await withLogFile(async (file) => {
      const monitor = new ExitMonitor();
      const reaper = new Reaper(monitor);
      // 50 ms per record: far more than 10 short processes take to exit, so
      // records are still buffered when close() comes.
      monitor.subscribe('all', async (e) => {
        await delay(50);
        await appendFile(file, `${e.pid}\n`);
      });
      await exitsOf(monitor, 10);
      reaper.close();
      monitor.close();
      await delay(200);
      expect((await lines(file)).length).toBeLessThan(10);
    });
  });

  it('waits for every kind of consumer, and not for events published after the call', async () => {
    const monitor = new ExitMonitor();
    const seen: number[] = [];
    monitor.subscribe('all', (e) => seen.push(e.pid)); // a listener returning a number
    const observed: number[] = [];
    monitor.subscribe('pid').events.subscribe((e) => observed.push(e.pid));
    const pull = monitor.subscribe({ pid: 7 });
    monitor.publish({ pid: 7, code: 0 });
    monitor.publish({ pid: 8, code: 0 });
    let drained = false;
    const drain = monitor.drain().then(() => (drained = true));
    monitor.publish({ pid: 9, code: 0 }); // after the call: not waited for
    await flush();
    expect(drained).toBe(false); // the pull subscription has not been read
    expect((await pull.next()).pid).toBe(7);
    await drain;
    expect(seen.slice(0, 2)).toEqual([7, 8]);
    expect(observed.slice(0, 2)).toEqual([7, 8]);
  });

  it('resolves when a subscription it waits for is unsubscribed, and at once when nothing is outstanding', async () => {
    const monitor = new ExitMonitor();
    await monitor.drain(); // nothing published
    const unread = monitor.subscribe('all');
    monitor.publish({ pid: 5 });
    const drain = monitor.drain();
    unread.unsubscribe();
    await drain;
    monitor.close();
    await monitor.drain(); // closed: nothing can be outstanding
  });

  it('an unread pull subscription keeps it pending: timeout rejects with WaitTimeoutError', async () => {
    const monitor = new ExitMonitor();
    const unread = monitor.subscribe('all');
    monitor.publish({ pid: 5 });
    const error = await monitor.drain({ timeout: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).timeout).toBe(30);
    // The timed-out drain left nothing behind: reading still works and a new drain resolves.
    expect((await unread.next()).pid).toBe(5);
    await monitor.drain({ timeout: 1000 });
  });

  it('abort rejects with the signal reason; an already aborted signal rejects at once', async () => {
    const monitor = new ExitMonitor();
    monitor.subscribe('all');
    monitor.publish({ pid: 5 });
    const controller = new AbortController();
    const drain = monitor.drain({ signal: controller.signal });
    const reason = new Error('shutdown cancelled');
    controller.abort(reason);
    await expect(drain).rejects.toBe(reason);
    await expect(monitor.drain({ signal: AbortSignal.abort('now') })).rejects.toBe('now');
  });

  it('an already aborted signal rejects even when nothing is outstanding, as waitPid does with a remembered exit', async () => {
    const monitor = new ExitMonitor();
    monitor.publish({ pid: 5 });
    await expect(monitor.waitPid(5, { signal: AbortSignal.abort('late') })).rejects.toBe('late');
    await expect(monitor.drain({ signal: AbortSignal.abort('late') })).rejects.toBe('late');
    await expect(monitor.drain()).resolves.toBeUndefined();
  });

  it('a listener still awaiting when close() runs ends the drain (closed subscriptions owe nothing)', async () => {
    const monitor = new ExitMonitor();
    monitor.subscribe('all', () => new Promise(() => {})); // never settles
    monitor.publish({ pid: 5 });
    monitor.publish({ pid: 6 });
    const drain = monitor.drain();
    await flush();
    monitor.close();
    await drain;
  });

  it('rejects bad options like every wait', async () => {
    const monitor = new ExitMonitor();
    await expect(monitor.drain({ timeout: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(monitor.drain('soon' as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('close() runs every teardown step', () => {
  it("a throwing 'close' listener: everything is still closed, the other listeners run, then TeardownError", async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    const wait = monitor.waitPid(4242);
    const failure = new Error('close listener bug');
    const order: string[] = [];
    monitor.lifecycle.on('close', () => {
      order.push('first');
      throw failure;
    });
    monitor.lifecycle.on('close', () => void order.push('second'));
    let thrown: unknown;
    try {
      monitor.close();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TeardownError);
    expect((thrown as TeardownError).cause).toBe(failure);
    expect((thrown as TeardownError).errors).toEqual([failure]);
    expect(order).toEqual(['first', 'second']);
    expect(monitor.closed).toBe(true);
    expect(sub.closed).toBe(true);
    await expect(wait).rejects.toBeInstanceOf(MonitorClosedError);
    expect(() => monitor.close()).not.toThrow(); // idempotent, and the listeners were released
  });
});

describe('next() on a closed subscription', () => {
  it('an unsubscribed listener subscription rejects with SubscriptionClosedError, not consumed', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all', (_e: ExitEvent) => 1);
    sub.unsubscribe();
    await expect(sub.next()).rejects.toBeInstanceOf(SubscriptionClosedError);
  });
});
