// Type-level tests of listeners and drain (issue 11).
import { describe, expectTypeOf, it } from 'vitest';
import { ExitMonitor, type ExitListener, type WaitOptions } from '../../src/index.js';

describe('listener and drain types', () => {
  it('a listener may return anything: an arrow that pushes compiles (was TS2322)', () => {
    const monitor = new ExitMonitor();
    const pids: number[] = [];
    monitor.subscribe('all', (e) => pids.push(e.pid));
    monitor.subscribe({ pid: 3 }, async (e) => e.code);
    monitor.subscribe('exec', (e) => e.execId);
    expectTypeOf<(e: { pid: number }) => number>().toMatchTypeOf<ExitListener>();
    // @ts-expect-error a listener is a function
    monitor.subscribe('all', 42);
  });

  it('drain takes the wait options and resolves with nothing', () => {
    const monitor = new ExitMonitor();
    expectTypeOf(monitor.drain).parameter(0).toEqualTypeOf<WaitOptions | undefined>();
    expectTypeOf(monitor.drain()).toEqualTypeOf<Promise<void>>();
  });
});
