import { describe, expect, it } from 'vitest';
import { ExitMonitor, MonitorClosedError, WaitTimeoutError } from '../../src/index.js';

describe('waitPid / waitExec', () => {
  it('waitPid resolves with the first exit of pid published after the call', async () => {
    const monitor = new ExitMonitor();
    const wait = monitor.waitPid(77);
    monitor.publish({ pid: 78, code: 1 });
    monitor.publish({ pid: 77, code: 2 });
    monitor.publish({ pid: 77, code: 3 });
    expect((await wait).code).toBe(2);
    expect(monitor.stats().waiters).toBe(0);
  });

  // An object with only an `aborted` flag passed validation: the wait was
  // registered, then failed on addEventListener, and a next() left behind
  // took the following event from its subscription.
  it('refuses a signal that is no AbortSignal before registering anything: no wait left, no event taken', async () => {
    const monitor = new ExitMonitor();
    const subscription = monitor.subscribe();
    const fake = { aborted: false } as unknown as AbortSignal;
    await expect(subscription.next({ signal: fake })).rejects.toThrow(/^Expected `options.signal` to be an AbortSignal, got/);
    await expect(monitor.waitPid(5, { signal: fake })).rejects.toThrow(TypeError);
    // Listeners alone are not enough either: a stop calls throwIfAborted().
    const listenersOnly = { aborted: false, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    await expect(monitor.waitPid(5, { signal: listenersOnly })).rejects.toThrow(/Expected `options.signal` to be an AbortSignal/);
    expect(monitor.stats().waiters).toBe(0);
    monitor.publish({ pid: 1 });
    expect((await subscription.next()).pid).toBe(1);
    monitor.close();
  });

  it('answers at once from the recent-exits cache when the exit already happened (subscribe-too-late race)', async () => {
    const monitor = new ExitMonitor();
    const published = monitor.publish({ pid: 90, code: 9 });
    await expect(monitor.waitPid(90)).resolves.toBe(published);
    expect(monitor.lastExit(90)).toBe(published);
    expect(monitor.lastExit(91)).toBeUndefined();
  });

  it('forgets the oldest exits past recentExits, and 0 disables the cache', async () => {
    const small = new ExitMonitor({ recentExits: 2 });
    small.publish({ pid: 1 });
    small.publish({ pid: 2 });
    small.publish({ pid: 3 });
    expect(small.lastExit(1)).toBeUndefined();
    expect(small.lastExit(3)?.pid).toBe(3);
    const none = new ExitMonitor({ recentExits: 0 });
    none.publish({ pid: 1 });
    expect(none.lastExit(1)).toBeUndefined();
  });

  it('remembers the newest exit per pid while older publishes of it leave the window', () => {
    const monitor = new ExitMonitor({ recentExits: 3 });
    monitor.publish({ pid: 1, code: 1 });
    const newest = monitor.publish({ pid: 1, code: 2 });
    monitor.publish({ pid: 2 });
    monitor.publish({ pid: 3 }); // evicts the first exit of pid 1, not the newest
    expect(monitor.lastExit(1)).toBe(newest);
    monitor.publish({ pid: 4 }); // evicts the newest exit of pid 1
    expect(monitor.lastExit(1)).toBeUndefined();
    expect(monitor.lastExit(4)?.pid).toBe(4);
  });

  it('forget({ pid }) hides the exits remembered so far from lastExit/waitPid only; later exits show', async () => {
    const monitor = new ExitMonitor({ recentExits: 8 });
    monitor.publish({ pid: 10, code: 1, execId: 'e' });
    monitor.publish({ pid: 10, code: 2 });
    monitor.forget({ pid: 10 });
    expect(monitor.lastExit(10)).toBeUndefined();
    expect((await monitor.waitExec('e')).pid).toBe(10); // hidden from its own lookup only
    const later = monitor.publish({ pid: 10, code: 3 });
    expect(monitor.lastExit(10)).toBe(later);
    await expect(monitor.waitPid(10)).resolves.toBe(later);
    monitor.forget({ pid: 99 }); // nothing of it remembered: harmless
    expect(monitor.lastExit(10)).toBe(later);
  });

  it('forget({ execId, containerId }) hides only that container\'s runs; forget({ execId }) hides them all', async () => {
    const monitor = new ExitMonitor({ recentExits: 8 });
    const inC1 = monitor.publish({ pid: 5, execId: 'e1', containerId: 'c1', code: 1 });
    const inC2 = monitor.publish({ pid: 6, execId: 'e1', containerId: 'c2', code: 2 });
    monitor.forget({ execId: 'e1', containerId: 'c2' });
    await expect(monitor.waitExec('e1')).resolves.toBe(inC1);
    await expect(monitor.waitExec('e1', { containerId: 'c1' })).resolves.toBe(inC1);
    await expect(monitor.waitExec('e1', { containerId: 'c2', timeout: 5 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(monitor.lastExit(6)).toBe(inC2); // the pid lookup is untouched
    monitor.forget({ execId: 'e1' });
    await expect(monitor.waitExec('e1', { containerId: 'c1', timeout: 5 })).rejects.toBeInstanceOf(WaitTimeoutError);
    // No two (container, exec) pairs share a mark, not even those that read alike run together.
    const odd = monitor.publish({ pid: 7, execId: 'c', containerId: 'ab' });
    monitor.forget({ execId: 'bc', containerId: 'a' });
    await expect(monitor.waitExec('c', { containerId: 'ab' })).resolves.toBe(odd);
  });

  it('forgets stay right through many more forgets than remembered exits (marks are pruned, not lost)', () => {
    const monitor = new ExitMonitor({ recentExits: 4 });
    for (let round = 0; round < 50; round++) {
      const pid = 1000 + round;
      monitor.publish({ pid, code: round % 256 });
      for (let other = 0; other < 100; other++) monitor.forget({ pid: 5000 + round * 100 + other });
      expect(monitor.lastExit(pid)?.code).toBe(round % 256);
      monitor.forget({ pid });
      expect(monitor.lastExit(pid)).toBeUndefined();
      if (round > 0) expect(monitor.lastExit(pid - 1)).toBeUndefined(); // forgotten a round ago, and stays so
    }
  });

  it('waitExec matches execId and, when given, containerId; cached too', async () => {
    const monitor = new ExitMonitor();
    const inC2 = monitor.waitExec('e1', { containerId: 'c2' });
    const any = monitor.waitExec('e1');
    monitor.publish({ pid: 5, execId: 'e1', containerId: 'c1', code: 1 });
    monitor.publish({ pid: 6, execId: 'e1', containerId: 'c2', code: 2 });
    expect((await any).pid).toBe(5);
    expect((await inC2).pid).toBe(6);
    expect((await monitor.waitExec('e1')).pid).toBe(6);
    await expect(monitor.waitExec('e1', { containerId: 'c9', timeout: 5 })).rejects.toBeInstanceOf(WaitTimeoutError);
  });

  it('times out with WaitTimeoutError and leaves no waiter behind', async () => {
    const monitor = new ExitMonitor();
    const error = await monitor.waitPid(1234, { timeout: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).code).toBe('ERR_WAIT_TIMEOUT');
    expect(monitor.stats()).toMatchObject({ waiters: 0, subscriptions: 0 });
  });

  it('aborts with the signal’s reason and leaves no waiter behind', async () => {
    const monitor = new ExitMonitor();
    const controller = new AbortController();
    const wait = monitor.waitPid(1234, { signal: controller.signal });
    expect(monitor.stats().waiters).toBe(1);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
    await expect(monitor.waitExec('x', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(monitor.stats().waiters).toBe(0);
    // Already aborted: rejected even when the exit is remembered (it resolved with it), as node's APIs do.
    monitor.publish({ pid: 1234, code: 0 });
    await expect(monitor.waitPid(1234, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('rejects pending and new waits with MonitorClosedError after close()', async () => {
    const monitor = new ExitMonitor();
    const pending = monitor.waitExec('never');
    monitor.close();
    await expect(pending).rejects.toBeInstanceOf(MonitorClosedError);
    await expect(monitor.waitPid(5)).rejects.toBeInstanceOf(MonitorClosedError);
  });

  it('rejects bad arguments with TypeError/RangeError', async () => {
    const monitor = new ExitMonitor();
    await expect(monitor.waitPid(0)).rejects.toThrow(RangeError);
    await expect(monitor.waitPid('1' as never)).rejects.toThrow(/Expected `pid` to be a positive integer, got `"1"` \(string\)/);
    await expect(monitor.waitPid(5, { timeout: -1 })).rejects.toThrow(RangeError);
    await expect(monitor.waitPid(5, { signal: {} as never })).rejects.toThrow(TypeError);
    await expect(monitor.waitExec('')).rejects.toThrow(RangeError);
    await expect(monitor.waitExec('e', { containerId: 3 as never })).rejects.toThrow(TypeError);
    expect(() => monitor.lastExit(-1)).toThrow(RangeError);
  });

  // setTimeout fires a longer delay after 1 ms: such a timeout is refused, not
  // turned into "time out at once" (nor are drain()'s and next()'s).
  it('refuses a timeout longer than a timer can wait (2^31 - 1 ms) with a RangeError', async () => {
    const monitor = new ExitMonitor();
    await expect(monitor.waitPid(77, { timeout: 2 ** 31 })).rejects.toThrow(/Expected `options.timeout` to be a non-negative number of milliseconds up to 2147483647/);
    await expect(monitor.drain({ timeout: 1e300 })).rejects.toThrow(RangeError);
    using sub = monitor.subscribe('all');
    await expect(sub.next({ timeout: 2 ** 40 })).rejects.toThrow(RangeError);
    const longest = monitor.waitPid(77, { timeout: 2 ** 31 - 1 });
    monitor.publish({ pid: 77, code: 0 });
    expect((await longest).pid).toBe(77);
  });
});
