import { describe, expect, it } from 'vitest';
import { ExitMonitor, MonitorClosedError, type ExitEvent, type Topic } from '../../src/index.js';
import { flush } from '../helpers.js';

// Subscribes with a listener that records what it receives.
function record(monitor: ExitMonitor, topic: Topic): ExitEvent[] {
  const got: ExitEvent[] = [];
  monitor.subscribe(topic, (e) => void got.push(e));
  return got;
}

describe('ExitMonitor routing', () => {
  // The test_monitor scenario of containerd/rust-extensions: a pid, an all and
  // an exec subscription; one plain pid exit and one exec exit.
  it('routes a pid exit and an exec exit like rust-extensions test_monitor', async () => {
    const monitor = new ExitMonitor();
    const byPid = record(monitor, { pid: 100 });
    const all = record(monitor, 'all');
    const exec = record(monitor, { execId: 'exec-1' });
    monitor.publish({ pid: 100, code: 0 });
    monitor.publish({ pid: 200, code: 1, execId: 'exec-1' });
    await flush();
    expect(byPid.map((e) => e.pid)).toEqual([100]);
    expect(all.map((e) => e.pid)).toEqual([100, 200]);
    expect(exec.map((e) => [e.pid, e.execId, e.code])).toEqual([[200, 'exec-1', 1]]);
  });

  it("matches 'pid' to plain exits and 'exec' to exec exits; { pid } to both", async () => {
    const monitor = new ExitMonitor();
    const plain = record(monitor, 'pid');
    const execs = record(monitor, 'exec');
    const one = record(monitor, { pid: 7 });
    monitor.publish({ pid: 7, code: 0 });
    monitor.publish({ pid: 7, code: 2, execId: 'x' });
    monitor.publish({ pid: 8, code: 0 });
    await flush();
    expect(plain.map((e) => e.pid)).toEqual([7, 8]);
    expect(execs.map((e) => e.execId)).toEqual(['x']);
    expect(one.map((e) => e.code)).toEqual([0, 2]);
  });

  it('matches an exec topic with a containerId only to that container', async () => {
    const monitor = new ExitMonitor();
    const anyContainer = record(monitor, { execId: 'e' });
    const inC1 = record(monitor, { execId: 'e', containerId: 'c1' });
    monitor.publish({ pid: 5, execId: 'e', containerId: 'c2', code: 0 });
    monitor.publish({ pid: 6, execId: 'e', containerId: 'c1', code: 0 });
    await flush();
    expect(anyContainer.map((e) => e.pid)).toEqual([5, 6]);
    expect(inC1.map((e) => e.pid)).toEqual([6]);
  });

  it('shares one frozen event object between all receivers', async () => {
    const monitor = new ExitMonitor();
    const a = record(monitor, 'all');
    const b = record(monitor, { pid: 3 });
    const published = monitor.publish({ pid: 3, code: 0 });
    await flush();
    expect(a[0]).toBe(published);
    expect(b[0]).toBe(published);
  });

  it('publish never runs consumer code: delivery is asynchronous', async () => {
    const monitor = new ExitMonitor();
    const got = record(monitor, 'all');
    monitor.publish({ pid: 3 });
    expect(got).toEqual([]);
    await flush();
    expect(got).toHaveLength(1);
  });

  it('late subscribers see nothing published before they subscribed', async () => {
    const monitor = new ExitMonitor();
    monitor.publish({ pid: 1000 });
    const late = record(monitor, 'all');
    const lateByPid = record(monitor, { pid: 1000 });
    await flush();
    expect(late).toEqual([]);
    expect(lateByPid).toEqual([]);
    monitor.publish({ pid: 1000, code: 4 });
    await flush();
    expect(late.map((e) => e.code)).toEqual([4]);
  });

  it.each([
    ['nope', RangeError],
    [{ pid: 0 }, RangeError],
    [{ pid: 'x' }, TypeError],
    [{ execId: '' }, RangeError],
    [{ execId: 1 }, TypeError],
    [{ pid: 1, execId: 'a' }, TypeError],
    [{}, TypeError],
    [{ pid: 5, foo: 1 }, TypeError],
    [{ execId: 'a', container: 'c' }, TypeError],
    [42, TypeError],
  ])('rejects the topic %j with a message naming the forms', (topic, type) => {
    const monitor = new ExitMonitor();
    expect(() => monitor.subscribe(topic as Topic)).toThrow(type);
  });

  it('takes a topic key whose value is undefined as not given; alone, its check names it', () => {
    const monitor = new ExitMonitor();
    // Before: rejected, with a message that showed `{"pid":1}` (JSON drops undefined).
    expect(monitor.subscribe({ pid: 1, execId: undefined } as unknown as Topic).topic).toEqual({ pid: 1 });
    expect(monitor.subscribe({ execId: 'x', pid: undefined } as unknown as Topic).topic).toEqual({ execId: 'x' });
    expect(() => monitor.subscribe({ pid: undefined } as unknown as Topic)).toThrow(/Expected `pid`/);
    expect(() => monitor.subscribe({ execId: undefined } as unknown as Topic)).toThrow(/Expected `execId`/);
  });

  it('rejects a listener that is not a function', () => {
    expect(() => new ExitMonitor().subscribe('all', 'x' as never)).toThrow(/Expected `listener` to be a function/);
  });

  it('validates its options', () => {
    expect(() => new ExitMonitor({ recentExits: -1 })).toThrow(RangeError);
    // Allocated up front: 1e9 aborted the process (heap), 2 ** 32 was V8's "Invalid array length".
    for (const recentExits of [1e9, 2 ** 32]) {
      expect(() => new ExitMonitor({ recentExits })).toThrow(new RangeError(`Expected \`options.recentExits\` to be an integer from 0 to 1000000, got \`${recentExits}\` (number)`));
    }
    expect(() => new ExitMonitor({ recentExits: '1' as never })).toThrow(TypeError);
    expect(() => new ExitMonitor({ logger: 1 as never })).toThrow(TypeError);
    expect(() => new ExitMonitor('x' as never)).toThrow(TypeError);
  });

  it('counts published, delivered and open subscriptions in stats()', async () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    record(monitor, 'all');
    monitor.publish({ pid: 9 });
    monitor.publish({ pid: 9 });
    await flush();
    expect(monitor.stats()).toMatchObject({ subscriptions: 2, published: 2, delivered: 2, backlogTotal: 2, backlogMax: 2 });
    sub.unsubscribe();
    expect(monitor.stats()).toMatchObject({ subscriptions: 1, backlogTotal: 0, dropped: 2 });
  });
});

describe('ExitMonitor.close()', () => {
  it('completes subscriptions, ends iterations, rejects pulls and waits', async () => {
    const monitor = new ExitMonitor();
    const iterated = monitor.subscribe('all');
    const pulled = monitor.subscribe('all');
    const observed = monitor.subscribe('all');
    let completed = false;
    observed.events.subscribe({ complete: () => (completed = true) });
    const iteration = (async () => {
      const seen: number[] = [];
      for await (const e of iterated) seen.push(e.pid);
      return seen;
    })();
    const pull = pulled.next();
    const wait = monitor.waitPid(4242);
    await flush();
    monitor.close();
    expect(monitor.closed).toBe(true);
    expect(completed).toBe(true);
    await expect(iteration).resolves.toEqual([]);
    await expect(pull).rejects.toThrow('closed');
    await expect(wait).rejects.toBeInstanceOf(MonitorClosedError);
    expect(iterated.closed && pulled.closed && observed.closed).toBe(true);
    expect(monitor.stats()).toMatchObject({ subscriptions: 0, waiters: 0 });
  });

  it('is idempotent; publish and subscribe afterwards throw MonitorClosedError; unsubscribe still works', () => {
    const monitor = new ExitMonitor();
    const sub = monitor.subscribe('all');
    let closes = 0;
    monitor.lifecycle.on('close', () => closes++);
    monitor.close();
    monitor[Symbol.dispose]();
    expect(closes).toBe(1);
    expect(() => monitor.publish({ pid: 5 })).toThrow(MonitorClosedError);
    expect(() => monitor.subscribe('all')).toThrow(MonitorClosedError);
    expect(() => sub.unsubscribe()).not.toThrow();
  });

  it('delivers nothing after close() even when events were buffered', async () => {
    const monitor = new ExitMonitor();
    const got: ExitEvent[] = [];
    monitor.subscribe('all', (e) => void got.push(e));
    monitor.publish({ pid: 5 });
    monitor.close();
    await flush();
    expect(got).toEqual([]);
  });
});
