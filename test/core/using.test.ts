import { describe, expect, it } from 'vitest';
import { ExitMonitor } from '../../src/index.js';
import { flush } from '../helpers.js';

describe('disposables', () => {
  it('`using` unsubscribes a subscription and closes a monitor at the end of the block', async () => {
    let outer: ExitMonitor;
    const got: number[] = [];
    {
      using monitor = new ExitMonitor();
      outer = monitor;
      {
        using sub = monitor.subscribe('all', (e) => void got.push(e.pid));
        monitor.publish({ pid: 1 });
        await flush();
        expect(sub.closed).toBe(false);
      }
      expect(monitor.stats().subscriptions).toBe(0);
      monitor.publish({ pid: 2 });
      await flush();
    }
    expect(got).toEqual([1]);
    expect(outer.closed).toBe(true);
  });
});
