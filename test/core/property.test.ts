// Property: over random interleavings of subscribe / publish / unsubscribe,
// some of them run from inside listeners, every subscription receives exactly
// a FIFO prefix of the matching events published while it was open, and all
// of them when it stays open.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExitMonitor, type ExitEvent, type ExitSubscription, type Topic } from '../../src/index.js';
import { setImmediate as immediate } from 'node:timers/promises';
import { flush } from '../helpers.js';

const TOPICS: Topic[] = ['all', 'pid', 'exec', { pid: 1 }, { execId: 'e1' }, { execId: 'e1', containerId: 'c1' }];

type Op =
  | { type: 'sub'; topic: number; nested: boolean }
  | { type: 'pub'; pid: number; exec: number; nested: boolean }
  | { type: 'unsub'; index: number; nested: boolean }
  | { type: 'tick' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('sub' as const), topic: fc.nat(TOPICS.length - 1), nested: fc.boolean() }),
  fc.record({ type: fc.constant('pub' as const), pid: fc.integer({ min: 1, max: 3 }), exec: fc.nat(2), nested: fc.boolean() }),
  fc.record({ type: fc.constant('unsub' as const), index: fc.nat(30), nested: fc.boolean() }),
  fc.constant({ type: 'tick' as const }),
);

function matches(topic: Topic, e: ExitEvent): boolean {
  if (topic === 'all') return true;
  if (topic === 'pid') return e.execId === undefined;
  if (topic === 'exec') return e.execId !== undefined;
  if ('pid' in topic) return e.pid === topic.pid;
  return e.execId === topic.execId && (topic.containerId === undefined || topic.containerId === e.containerId);
}

interface Tracked {
  topic: Topic;
  sub: ExitSubscription;
  expected: ExitEvent[]; // matching events published while open
  received: ExitEvent[];
  open: boolean;
}

async function run(ops: Op[]): Promise<void> {
  const monitor = new ExitMonitor();
  const tracked: Tracked[] = [];
  const nested: Op[] = [];

  const execute = (op: Op): void => {
    if (op.type === 'sub') {
      const topic = TOPICS[op.topic] as Topic;
      const t: Tracked = { topic, expected: [], received: [], open: true, sub: undefined as never };
      t.sub = monitor.subscribe(topic, (e) => {
        t.received.push(e);
        const next = nested.shift();
        if (next !== undefined) execute(next);
      });
      tracked.push(t);
    } else if (op.type === 'pub') {
      const execId = op.exec === 0 ? undefined : `e${op.exec}`;
      const init = execId === undefined ? { pid: op.pid } : { pid: op.pid, execId, containerId: op.pid === 1 ? 'c1' : 'c2' };
      const event = monitor.publish(init);
      for (const t of tracked) if (t.open && matches(t.topic, event)) t.expected.push(event);
    } else if (op.type === 'unsub') {
      const t = tracked[op.index % Math.max(tracked.length, 1)];
      if (t !== undefined) {
        t.sub.unsubscribe();
        t.open = false;
      }
    }
  };

  for (const op of ops) {
    if (op.type === 'tick') await immediate(); // one check phase: interleaving, not completeness
    else if (op.nested) nested.push(op);
    else execute(op);
  }
  await flush(20);
  while (nested.length > 0) execute(nested.shift() as Op);
  await flush(20);

  for (const t of tracked) {
    const prefix = t.expected.slice(0, t.received.length);
    expect(t.received.map((e) => e.seq)).toEqual(prefix.map((e) => e.seq));
    if (t.open) expect(t.received.length).toBe(t.expected.length);
  }
  monitor.close();
}

describe('ExitMonitor property', () => {
  it('each subscription gets exactly a FIFO prefix of its matching events, and all of them while open', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { maxLength: 80 }), run), { numRuns: 1000 });
  });
});
