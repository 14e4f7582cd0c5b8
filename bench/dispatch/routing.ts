// Routing cost: the synchronous publish cost for one subscriber on pid X,
// with many subscriptions on other pids versus none. Only publish() is timed;
// delivery happens between batches, off the clock.
import { EventEmitter as NodeEmitter } from 'node:events';
import { EventEmitter as EventEmitter3 } from 'eventemitter3';
import { filter, Subject } from 'rxjs';
import { ExitMonitor } from '../../src/index.js';
import { nextMacrotask, now } from '../lib/timing.js';
import { benchEvent, type BenchEvent } from './paths.js';

/** The watched pid; the others are OTHER_PIDS_FROM, OTHER_PIDS_FROM + 1, … */
const TARGET_PID = 77;
const OTHER_PIDS_FROM = 100_000;
const TARGET_EVENT = `exit:${TARGET_PID}`;

/** A publisher with one subscriber on TARGET_PID and `others` on other pids. */
export interface RoutedPublisher {
  publishToTarget(): void;
  close(): void;
}

/** Builds a RoutedPublisher; `onTarget` counts deliveries to the watched pid. */
export type RoutedFactory = (others: number, onTarget: () => void) => RoutedPublisher;

// exitmon: a { pid } topic per subscription, routed through a Map.
export const exitmonRouted: RoutedFactory = (others, onTarget) => exitmonRoutedWith({})(others, onTarget);

// exitmon without the recent-exits cache, to show what the cache costs per publish.
export const exitmonRoutedNoCache: RoutedFactory = (others, onTarget) => exitmonRoutedWith({ recentExits: 0 })(others, onTarget);

// exitmon with the given monitor options.
function exitmonRoutedWith(options: { recentExits?: number }): RoutedFactory {
  return (others, onTarget) => {
    const monitor = new ExitMonitor(options);
    monitor.subscribe({ pid: TARGET_PID }, onTarget);
    for (let k = 0; k < others; k++) monitor.subscribe({ pid: OTHER_PIDS_FROM + k }, onTarget);
    return { publishToTarget: () => void monitor.publish({ pid: TARGET_PID, code: 0 }), close: () => monitor.close() };
  };
}

/** What node:events and eventemitter3 have in common here. */
interface Emitter {
  on(name: string, listener: () => void): unknown;
  emit(name: string, event: BenchEvent): boolean;
  removeAllListeners(): unknown;
}

// An emitter with one event name per pid (`exit:<pid>`): routing by property look-up.
function emitterRouted(emitter: Emitter): RoutedFactory {
  return (others, onTarget) => {
    emitter.on(TARGET_EVENT, onTarget);
    for (let k = 0; k < others; k++) emitter.on(`exit:${OTHER_PIDS_FROM + k}`, onTarget);
    return { publishToTarget: () => void emitter.emit(TARGET_EVENT, benchEvent(TARGET_PID)), close: () => void emitter.removeAllListeners() };
  };
}

export const nodeEventsRouted: RoutedFactory = (others, onTarget) => emitterRouted(new NodeEmitter().setMaxListeners(0))(others, onTarget);
export const eventEmitter3Routed: RoutedFactory = (others, onTarget) => emitterRouted(new EventEmitter3())(others, onTarget);

// rxjs: one Subject, each subscriber filters by pid, so next() visits every subscriber.
export const subjectFilterRouted: RoutedFactory = (others, onTarget) => {
  const subject = new Subject<BenchEvent>();
  subject.pipe(filter((e) => e.pid === TARGET_PID)).subscribe(onTarget);
  for (let k = 0; k < others; k++) {
    const pid = OTHER_PIDS_FROM + k;
    subject.pipe(filter((e) => e.pid === pid)).subscribe(onTarget);
  }
  // Unsubscribing 100k subscribers of one Subject is O(n²) (array splice);
  // dropping the Subject lets GC reclaim them all at once.
  return { publishToTarget: () => subject.next(benchEvent(TARGET_PID)), close: () => {} };
};

// Nanoseconds per publish: `publishes` events in batches, only the publish loop on the clock.
export async function publishCostNs(publisher: RoutedPublisher, publishes: number, batch: number): Promise<number> {
  let onClock = 0;
  for (let done = 0; done < publishes; done += batch) {
    const n = Math.min(batch, publishes - done);
    const t0 = now();
    for (let i = 0; i < n; i++) publisher.publishToTarget();
    onClock += now() - t0;
    await nextMacrotask(); // lets exitmon deliver, off the clock
  }
  return (onClock * 1e6) / publishes;
}
