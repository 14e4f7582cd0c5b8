// Heap bytes per buffered event: what a stalled consumer costs while its
// backlog grows, measured between two full GCs.
import BetterQueue from 'better-queue';
import { asapScheduler, observeOn, Subject } from 'rxjs';
import { ExitMonitor } from '../../src/index.js';
import { retainedBytesPer } from '../lib/heap.js';
import { benchEvent, pidOf, type BenchEvent } from './paths.js';

// exitmon: one pull subscription that is never read. The monitor and the
// subscription exist before the first measurement, so only the events count.
export function exitmonBytesPerEvent(events: number, recentExits: number | undefined): number {
  const monitor = new ExitMonitor(recentExits === undefined ? {} : { recentExits });
  const stalled = monitor.subscribe('all');
  const bytes = retainedBytesPer(events, () => {
    for (let i = 0; i < events; i++) monitor.publish({ pid: pidOf(i), code: 0 });
    return stalled.backlog;
  });
  if (stalled.backlog !== events) throw new Error(`Expected a backlog of ${events}, got ${stalled.backlog}`);
  stalled.unsubscribe();
  monitor.close();
  return bytes;
}

// The floor: a plain array of baseline event objects (no queue, no freeze).
export function plainArrayBytesPerEvent(events: number): number {
  const held: BenchEvent[] = [];
  return retainedBytesPer(events, () => {
    for (let i = 0; i < events; i++) held.push(benchEvent(i));
    return held.length;
  }, () => (held.length = 0));
}

// rxjs observeOn(asapScheduler): each pending event is a scheduled action.
// gc() is synchronous, so the actions are still pending when measured.
export function observeOnBytesPerEvent(events: number): number {
  const subject = new Subject<BenchEvent>();
  const sub = subject.pipe(observeOn(asapScheduler)).subscribe(() => {});
  const bytes = retainedBytesPer(events, () => {
    for (let i = 0; i < events; i++) subject.next(benchEvent(i));
    return events;
  });
  sub.unsubscribe();
  return bytes;
}

// better-queue with a worker that never finishes: every further task waits in its store.
export function betterQueueBytesPerEvent(events: number): number {
  const queue = new BetterQueue<BenchEvent>(() => {});
  const bytes = retainedBytesPer(events, () => {
    for (let i = 0; i < events; i++) queue.push(benchEvent(i));
    return events;
  });
  queue.destroy(() => {});
  return bytes;
}
