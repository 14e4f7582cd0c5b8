// The delivery paths the dispatch scenario races: exitmon and the ways one
// would otherwise hand exits to subscribers. Each path is built fresh per
// sample with `subscribers` listeners that all call the same `deliver`.
import { EventEmitter as NodeEmitter } from 'node:events';
import BetterQueue from 'better-queue';
import { EventEmitter as EventEmitter3 } from 'eventemitter3';
import { asapScheduler, observeOn, Subject, type Subscription } from 'rxjs';
import { ExitMonitor } from '../../src/index.js';

/** What a baseline emits: the same fields an ExitEvent carries, built per event. */
export interface BenchEvent {
  seq: number;
  pid: number;
  code: number | null;
  signal: null;
  status: number;
  coreDumped: boolean;
  outcome: 'reaped';
  timestamp: number;
}

/** One publisher with its subscribers attached. */
export interface DeliveryPath {
  /** Publishes event number i. */
  publish(i: number): void;
  /** Detaches every subscriber and frees the path. */
  close(): void;
}

/** Builds a path with `subscribers` listeners calling `deliver(i)` with the 0-based publish index. */
export type PathFactory = (subscribers: number, deliver: (seq: number) => void) => DeliveryPath;

/** Pids cycle through this many values, so caches and maps see realistic keys. */
const PID_SPREAD = 1024;
const FIRST_PID = 1000;

// The pid of event number i.
export const pidOf = (i: number): number => FIRST_PID + (i & (PID_SPREAD - 1));

// A baseline's event: a plain object with the ExitEvent fields (no validation, no freeze).
export function benchEvent(i: number): BenchEvent {
  return { seq: i, pid: pidOf(i), code: 0, signal: null, status: 0, coreDumped: false, outcome: 'reaped', timestamp: 0 };
}

// exitmon with its defaults (recent-exits cache on): publish() validates,
// numbers, freezes and enqueues; the dispatcher delivers in time-bounded slices (the first of a loop turn in a microtask).
export const exitmonPath: PathFactory = (subscribers, deliver) => {
  const monitor = new ExitMonitor();
  // A fresh monitor numbers from 1; deliver() takes the 0-based publish index.
  for (let s = 0; s < subscribers; s++) monitor.subscribe('all', (e) => deliver(e.seq - 1));
  return { publish: (i) => void monitor.publish({ pid: pidOf(i), code: 0 }), close: () => monitor.close() };
};

// node:events, synchronous and unbuffered.
export const nodeEventsPath: PathFactory = (subscribers, deliver) => {
  const emitter = new NodeEmitter();
  emitter.setMaxListeners(0);
  for (let s = 0; s < subscribers; s++) emitter.on('exit', (e: BenchEvent) => deliver(e.seq));
  return { publish: (i) => void emitter.emit('exit', benchEvent(i)), close: () => void emitter.removeAllListeners() };
};

// eventemitter3, synchronous and unbuffered.
export const eventEmitter3Path: PathFactory = (subscribers, deliver) => {
  const emitter = new EventEmitter3();
  for (let s = 0; s < subscribers; s++) emitter.on('exit', (e: BenchEvent) => deliver(e.seq));
  return { publish: (i) => void emitter.emit('exit', benchEvent(i)), close: () => void emitter.removeAllListeners() };
};

// rxjs Subject.next, synchronous and unbuffered (the goal's yardstick).
export const subjectPath: PathFactory = (subscribers, deliver) => {
  const subject = new Subject<BenchEvent>();
  const subs: Subscription[] = [];
  for (let s = 0; s < subscribers; s++) subs.push(subject.subscribe((e) => deliver(e.seq)));
  return { publish: (i) => subject.next(benchEvent(i)), close: () => subs.forEach((s) => s.unsubscribe()) };
};

// rxjs Subject with observeOn(asapScheduler) per subscriber: asynchronous and
// buffered like exitmon, but each pending event is a scheduled action.
export const observeOnAsapPath: PathFactory = (subscribers, deliver) => {
  const subject = new Subject<BenchEvent>();
  const subs: Subscription[] = [];
  for (let s = 0; s < subscribers; s++) subs.push(subject.pipe(observeOn(asapScheduler)).subscribe((e) => deliver(e.seq)));
  return { publish: (i) => subject.next(benchEvent(i)), close: () => subs.forEach((s) => s.unsubscribe()) };
};

// better-queue as the delivery path (one queue per subscriber): a job queue,
// asynchronous and buffered, with a ticket per task.
export const betterQueuePath: PathFactory = (subscribers, deliver) => {
  const queues: BetterQueue<BenchEvent>[] = [];
  for (let s = 0; s < subscribers; s++) {
    queues.push(new BetterQueue<BenchEvent>((task, done) => {
      deliver(task.seq);
      done();
    }));
  }
  return {
    publish: (i) => {
      const event = benchEvent(i);
      for (const q of queues) q.push(event);
    },
    close: () => queues.forEach((q) => q.destroy(() => {})),
  };
};
