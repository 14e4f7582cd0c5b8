import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Queue } from '../../src/core/queue.js';

describe('Queue', () => {
  it('returns items in FIFO order across growth and wrap-around', () => {
    const q = new Queue<number>();
    let next = 0;
    let expected = 0;
    // Interleave pushes and shifts so the head wraps before the ring grows.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7 + round; i++) q.push(next++);
      for (let i = 0; i < 5; i++) expect(q.shift()).toBe(expected++);
    }
    while (q.length > 0) expect(q.shift()).toBe(expected++);
    expect(expected).toBe(next);
    expect(q.shift()).toBeUndefined();
  });

  it('matches an array model for any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constant<'shift'>('shift'), fc.constant<'clear'>('clear'))), (ops) => {
        const q = new Queue<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op === 'shift') expect(q.shift()).toBe(model.shift());
          else if (op === 'clear') {
            q.clear();
            model.length = 0;
          } else {
            q.push(op);
            model.push(op);
          }
          expect(q.length).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
        }
      }),
    );
  });

  it('gives a burst\'s storage back once it is empty again, and grows again as needed', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 100_000; i++) q.push(i);
    expect(q.capacity).toBeGreaterThanOrEqual(100_000);
    for (let i = 0; i < 100_000; i++) expect(q.shift()).toBe(i);
    // Before: the peak size stayed allocated for the life of the queue.
    expect(q.capacity).toBe(16);
    for (let i = 0; i < 5000; i++) q.push(i);
    expect(q.length).toBe(5000);
    expect(q.shift()).toBe(0);
  });

  it('releases shifted items so they can be collected', () => {
    const q = new Queue<object>();
    const item = {};
    q.push(item);
    q.shift();
    // The slot is cleared: pushing 15 more must not surface the old object.
    for (let i = 0; i < 15; i++) q.push({});
    for (let i = 0; i < 15; i++) expect(q.shift()).not.toBe(item);
  });
});
