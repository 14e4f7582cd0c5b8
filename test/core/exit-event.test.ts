import { describe, expect, it } from 'vitest';
import { ExitMonitor } from '../../src/index.js';

describe('ExitEvent', () => {
  const monitor = new ExitMonitor();

  it('derives status from the code, from 128 + signal number, or -1', () => {
    expect(monitor.publish({ pid: 10, code: 3 }).status).toBe(3);
    expect(monitor.publish({ pid: 10, signal: 'SIGKILL' }).status).toBe(137);
    expect(monitor.publish({ pid: 10, signal: 'SIGTERM' }).status).toBe(143);
    expect(monitor.publish({ pid: 10, outcome: 'unknown' }).status).toBe(-1);
    expect(monitor.publish({ pid: 10, code: 0, status: 7 }).status).toBe(7);
  });

  it('fills defaults: reaped outcome, null code and signal, a timestamp, no exec fields', () => {
    const before = Date.now();
    const e = monitor.publish({ pid: 11 });
    expect(e).toMatchObject({ pid: 11, code: null, signal: null, coreDumped: false, outcome: 'reaped' });
    expect(e.timestamp).toBeGreaterThanOrEqual(before);
    expect('execId' in e).toBe(false);
    expect(Object.isFrozen(e)).toBe(true);
  });

  // A clock read shared by a burst of publishes stamped an exit published 50 ms
  // into a synchronous run with the time of the first.
  it('stamps each exit with the time of its own publish, however long the publisher worked in between', () => {
    const first = monitor.publish({ pid: 12 });
    const busyUntil = Date.now() + 30;
    while (Date.now() < busyUntil) {
      // a synchronous publisher at work
    }
    const before = Date.now();
    const second = monitor.publish({ pid: 12 });
    expect(second.timestamp).toBeGreaterThanOrEqual(before);
    expect(second.timestamp - first.timestamp).toBeGreaterThanOrEqual(30);
  });

  it('carries resources only when given, frozen, and rejects malformed ones', () => {
    expect('resources' in monitor.publish({ pid: 13 })).toBe(false);
    const e = monitor.publish({ pid: 13, resources: { cpuUserUs: 5, cpuSystemUs: 2, oomKilled: false } });
    expect(e.resources).toEqual({ cpuUserUs: 5, cpuSystemUs: 2, oomKilled: false });
    expect(Object.isFrozen(e.resources)).toBe(true);
    expect(() => monitor.publish({ pid: 13, resources: { cpuUserUs: -1, cpuSystemUs: 0 } })).toThrow(RangeError);
    expect(() => monitor.publish({ pid: 13, resources: { cpuUserUs: '1' as unknown as number, cpuSystemUs: 0 } })).toThrow(TypeError);
    expect(() => monitor.publish({ pid: 13, resources: { cpuUserUs: 1, cpuSystemUs: 0, oomKilled: 'no' as unknown as boolean } })).toThrow(TypeError);
  });

  it('numbers events with a strictly increasing seq', () => {
    const a = monitor.publish({ pid: 12 });
    const b = monitor.publish({ pid: 12 });
    expect(b.seq).toBe(a.seq + 1);
  });

  it.each([
    [{ pid: 0 }, RangeError, /^Expected `pid` to be a positive integer/],
    // The spec's own example, word for word.
    [{ pid: -3 }, RangeError, /^Expected `pid` to be a positive integer, got `-3` \(number\)$/],
    [{ pid: 1.5 }, RangeError, /`pid`/],
    [{ pid: Number.NaN }, RangeError, /`pid`/],
    [{ pid: 2 ** 31 }, RangeError, /`pid`/],
    [{ pid: '12' }, TypeError, /got `"12"` \(string\)/],
    [{ pid: 5, code: 256 }, RangeError, /`code`/],
    [{ pid: 5, code: '1' }, TypeError, /`code`/],
    [{ pid: 5, signal: 'SIGNOPE' }, RangeError, /known signal name/],
    [{ pid: 5, signal: 9 }, TypeError, /signal name/],
    [{ pid: 5, code: 1, signal: 'SIGKILL' }, TypeError, /only one of/],
    [{ pid: 5, outcome: 'lost' }, RangeError, /`outcome`/],
    [{ pid: 5, outcome: 5 }, TypeError, /`outcome`/],
    [{ pid: 5, outcome: null }, TypeError, /`outcome`/],
    [{ pid: 5, timestamp: Number.NaN }, RangeError, /`timestamp`/],
    [{ pid: 5, timestamp: '1' }, TypeError, /`timestamp`/],
    [{ pid: 5, execId: '' }, RangeError, /`execId`/],
    [{ pid: 5, containerId: 'c' }, TypeError, /`execId`/],
    [null, TypeError, /exit/],
  ])('rejects bad input %j with a named TypeError/RangeError', (init, type, message) => {
    expect(() => monitor.publish(init as never)).toThrow(type);
    expect(() => monitor.publish(init as never)).toThrow(message);
  });
});
