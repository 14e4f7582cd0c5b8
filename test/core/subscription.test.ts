import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { map, take, toArray, firstValueFrom } from 'rxjs';
import {
  ExitMonitor,
  SubscriptionClosedError,
  SubscriptionConsumedError,
  WaitTimeoutError,
  type ExitEvent,
} from '../../src/index.js';
import { flush } from '../helpers.js';

describe('unsubscribe()', () => {
  it('inside a listener delivers nothing more, even events already buffered', async () => {
    const monitor = new ExitMonitor();
    const got: number[] = [];
    const sub = monitor.subscribe('all', (e) => {
      got.push(e.pid);
      if (e.pid === 2) sub.unsubscribe();
    });
    for (let pid = 1; pid <= 5; pid++) monitor.publish({ pid });
    await flush();
    expect(got).toEqual([1, 2]);
    expect(sub.closed).toBe(true);
    expect(sub.backlog).toBe(0);
  });

  it('from another subscription’s listener stops delivery at once', async () => {
    const monitor = new ExitMonitor();
    let unsubscribed = false;
    let deliveredAfter = 0;
    const victim = monitor.subscribe('all', () => {
      if (unsubscribed) deliveredAfter++;
    });
    monitor.subscribe('all', (e) => {
      if (e.pid === 2) {
        victim.unsubscribe();
        unsubscribed = true;
      }
    });
    for (let pid = 1; pid <= 200; pid++) monitor.publish({ pid });
    await flush();
    expect(unsubscribed).toBe(true);
    expect(deliveredAfter).toBe(0);
    expect(victim.backlog).toBe(0);
  });

  // A method: handed on unbound it threw "Cannot read private member".
  it('may be handed on as a callback, unbound (an AbortSignal listener, process.on)', () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    const controller = new AbortController();
    controller.signal.addEventListener('abort', sub.unsubscribe);
    controller.abort();
    expect(sub.closed).toBe(true);
    const { unsubscribe } = monitor.subscribe('all');
    unsubscribe();
    expect(monitor.stats().subscriptions).toBe(0);
  });

  it('is idempotent and [Symbol.dispose] is the same', () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    sub.unsubscribe();
    sub.unsubscribe();
    sub[Symbol.dispose]();
    expect(sub.closed).toBe(true);
    expect(monitor.stats().subscriptions).toBe(0);
    const other = monitor.subscribe({ pid: 4 });
    other[Symbol.dispose]();
    expect(other.closed).toBe(true);
    expect(monitor.stats().subscriptions).toBe(0);
  });

  it('works from a process "exit" handler: no delivery, no throw', async () => {
    // The synchronous part is what an exit handler can run; it must not throw or deliver.
    const monitor = new ExitMonitor();
    const got: number[] = [];
    const sub = monitor.subscribe('all', (e) => void got.push(e.pid));
    monitor.publish({ pid: 1 });
    const handler = (): void => sub.unsubscribe();
    handler();
    await flush();
    expect(got).toEqual([]);
  });
});

describe('consumers', () => {
  it('next() pulls events in order and several pending calls resolve FIFO', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe({ pid: 8 });
    const first = sub.next();
    const second = sub.next();
    monitor.publish({ pid: 8, code: 1 });
    monitor.publish({ pid: 8, code: 2 });
    expect((await first).code).toBe(1);
    expect((await second).code).toBe(2);
  });

  it('next() rejects with SubscriptionClosedError when unsubscribed while pending, or afterwards', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    const pending = sub.next();
    monitor.publish({ pid: 1 });
    sub.unsubscribe(); // the event was buffered but not yet delivered
    await expect(pending).rejects.toBeInstanceOf(SubscriptionClosedError);
    await expect(sub.next()).rejects.toBeInstanceOf(SubscriptionClosedError);
  });

  it('a closed subscription that had a listener: next() rejects with SubscriptionClosedError, a for-await loop just ends', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all', () => undefined);
    sub.unsubscribe();
    await expect(sub.next()).rejects.toBeInstanceOf(SubscriptionClosedError);
    // Before: SubscriptionConsumedError ("a second iterator…"), as if the listener still had it.
    const seen: unknown[] = [];
    for await (const event of sub) seen.push(event);
    expect(seen).toEqual([]);
  });

  it('next() honours timeout and abort and keeps the subscription usable', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    await expect(sub.next({ timeout: 10 })).rejects.toBeInstanceOf(WaitTimeoutError);
    const controller = new AbortController();
    const aborted = sub.next({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await expect(sub.next({ signal: AbortSignal.abort('already') })).rejects.toBe('already');
    monitor.publish({ pid: 3 });
    expect((await sub.next()).pid).toBe(3);
  });

  it('for await iterates in order and break unsubscribes', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    for (let pid = 1; pid <= 5; pid++) monitor.publish({ pid });
    const seen: number[] = [];
    for await (const e of sub) {
      seen.push(e.pid);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(sub.closed).toBe(true);
  });

  it('events is an rxjs Observable over the buffer that completes on unsubscribe', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    monitor.publish({ pid: 1, code: 5 });
    const codes = firstValueFrom(sub.events.pipe(map((e) => e.code), take(2), toArray()));
    monitor.publish({ pid: 2, code: 6 });
    expect(await codes).toEqual([5, 6]);
    // take(2) unsubscribed from events, which ends the subscription.
    expect(sub.closed).toBe(true);

    const other = monitor.subscribe('all');
    let completed = false;
    other.events.subscribe({ complete: () => (completed = true) });
    other.unsubscribe();
    expect(completed).toBe(true);
  });

  // Subscribers were recognised with instanceof: an operator from another
  // copy of rxjs got wrapped, and its unsubscribe never reached exitmon.
  it("an operator from another copy of rxjs (the app's own) still ends the subscription when it unsubscribes", async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'exitmon-rx-')), 'node_modules', 'rxjs');
    const rxjs = createRequire(import.meta.url).resolve('rxjs/package.json');
    cpSync(join(rxjs, '..', 'package.json'), join(copy, 'package.json'));
    cpSync(join(rxjs, '..', 'dist', 'cjs'), join(copy, 'dist', 'cjs'), { recursive: true });
    onTestFinished(() => rmSync(join(copy, '..', '..'), { recursive: true, force: true }));
    const other = createRequire(join(copy, '..', 'x.js'))('rxjs') as typeof import('rxjs');
    expect(other.take).not.toBe(take);
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    const first = other.firstValueFrom(sub.events.pipe(other.take(1)));
    monitor.publish({ pid: 1 });
    expect((await first).pid).toBe(1);
    expect(sub.closed).toBe(true);
    expect(monitor.stats().subscriptions).toBe(0);
  });

  it('events takes the three-callback form of subscribe (next, error, complete)', () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    let completed = false;
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    sub.events.subscribe(() => undefined, undefined, () => (completed = true));
    sub.unsubscribe();
    expect(completed).toBe(true);
    // With no next callback at all, as RxJS allows.
    for (const first of [undefined, null]) {
      const other = monitor.subscribe('all');
      let done = false;
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      other.events.subscribe(first, null, () => (done = true));
      other.unsubscribe();
      expect(done).toBe(true);
    }
  });

  it('the iterator of a subscription is itself async-iterable, as async generators are', async () => {
    const monitor = new ExitMonitor();
    const iterator = monitor.subscribe('all')[Symbol.asyncIterator]();
    expect(iterator[Symbol.asyncIterator]!()).toBe(iterator);
    monitor.publish({ pid: 3 });
    for await (const event of iterator) {
      expect(event.pid).toBe(3);
      break;
    }
    expect(monitor.stats().subscriptions).toBe(0);
  });

  it('a second consumer is a clear error, not silent sharing', async () => {
    const monitor = new ExitMonitor();
    const withListener = monitor.subscribe('all', () => {});
    expect(() => withListener[Symbol.asyncIterator]()).toThrow(SubscriptionConsumedError);
    await expect(withListener.next()).rejects.toBeInstanceOf(SubscriptionConsumedError);

    const observed = monitor.subscribe('all');
    observed.events.subscribe(() => {});
    // Thrown at the call, like next() and for await: never an asynchronous
    // RxJS re-throw that would crash the process.
    expect(() => observed.events.subscribe(() => {})).toThrow(SubscriptionConsumedError);
    expect(() => observed.events.subscribe(() => {})).toThrow(/one consumer/);
    // Through operators, RxJS routes it down the error channel instead.
    let piped: unknown;
    withListener.events.pipe(map((e) => e.pid)).subscribe({ error: (e: unknown) => (piped = e) });
    expect(piped).toBeInstanceOf(SubscriptionConsumedError);

    const iterated = monitor.subscribe('all');
    iterated[Symbol.asyncIterator]();
    expect(() => iterated[Symbol.asyncIterator]()).toThrow(/one consumer/);
  });

  it('one consumer at a time: once no next() is pending a for-await loop may take over, in order; not while one is pending, nor next() during a loop', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    for (let pid = 1; pid <= 3; pid++) monitor.publish({ pid });
    expect((await sub.next()).pid).toBe(1);
    const seen: number[] = [];
    for await (const event of sub) {
      seen.push(event.pid);
      // A loop between two pulls is still reading: next() may not cut in.
      await expect(sub.next()).rejects.toBeInstanceOf(SubscriptionConsumedError);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([2, 3]);

    const pending = monitor.subscribe('all');
    const waiting = pending.next();
    expect(() => pending[Symbol.asyncIterator]()).toThrow(SubscriptionConsumedError);
    monitor.publish({ pid: 4 });
    expect((await waiting).pid).toBe(4);
  });

  it('buffers for a pull subscription until it is read (backlog)', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    for (let pid = 1; pid <= 3; pid++) monitor.publish({ pid });
    await flush();
    expect(sub.backlog).toBe(3);
    const got: ExitEvent[] = [await sub.next(), await sub.next(), await sub.next()];
    expect(got.map((e) => e.pid)).toEqual([1, 2, 3]);
    expect(sub.backlog).toBe(0);
  });

  it('exposes id and a frozen copy of its topic', () => {
    const monitor = new ExitMonitor();
    const a = monitor.subscribe({ pid: 9 });
    const b = monitor.subscribe();
    expect(b.id).toBeGreaterThan(a.id);
    expect(a.topic).toEqual({ pid: 9 });
    expect(b.topic).toBe('all');
  });
});
