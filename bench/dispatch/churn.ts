// Subscribe and unsubscribe cost for many subscriptions: time to create them
// all, then to unsubscribe them all in subscribe order (the order in which
// array-backed lists are slowest).
import { EventEmitter as NodeEmitter } from 'node:events';
import { EventEmitter as EventEmitter3 } from 'eventemitter3';
import { Subject } from 'rxjs';
import { ExitMonitor } from '../../src/index.js';
import { now } from '../lib/timing.js';

/** Milliseconds to subscribe `count` subscriptions and to unsubscribe them. */
export interface ChurnTimes {
  subscribeMs: number;
  unsubscribeMs: number;
}

/** Subscribes `count` subscriptions then unsubscribes them, timing both halves. */
export type ChurnFactory = (count: number) => ChurnTimes;

const FIRST_PID = 1000;
const noop = (): void => {};

// Times `subscribe(k)` for every k, then every returned disposer.
function timeChurn(count: number, subscribe: (k: number) => () => void): ChurnTimes {
  const disposers = new Array<() => void>(count);
  const t0 = now();
  for (let k = 0; k < count; k++) disposers[k] = subscribe(k);
  const t1 = now();
  for (let k = 0; k < count; k++) (disposers[k] as () => void)();
  const t2 = now();
  return { subscribeMs: t1 - t0, unsubscribeMs: t2 - t1 };
}

// exitmon, one listener subscription per pid (a shim watching its children).
export const exitmonPidListeners: ChurnFactory = (count) => {
  const monitor = new ExitMonitor();
  const times = timeChurn(count, (k) => {
    const sub = monitor.subscribe({ pid: FIRST_PID + k }, noop);
    return () => sub.unsubscribe();
  });
  monitor.close();
  return times;
};

// exitmon, pull subscriptions on 'all' (each also registered for leak detection).
export const exitmonAllPull: ChurnFactory = (count) => {
  const monitor = new ExitMonitor();
  const times = timeChurn(count, () => {
    const sub = monitor.subscribe('all');
    return () => sub.unsubscribe();
  });
  monitor.close();
  return times;
};

// node:events, one event name per pid.
export const nodeEventsPidListeners: ChurnFactory = (count) => {
  const emitter = new NodeEmitter().setMaxListeners(0);
  return timeChurn(count, (k) => {
    const name = `exit:${FIRST_PID + k}`;
    const listener = (): void => {};
    emitter.on(name, listener);
    return () => void emitter.off(name, listener);
  });
};

// eventemitter3, one event name per pid.
export const eventEmitter3PidListeners: ChurnFactory = (count) => {
  const emitter = new EventEmitter3();
  return timeChurn(count, (k) => {
    const name = `exit:${FIRST_PID + k}`;
    const listener = (): void => {};
    emitter.on(name, listener);
    return () => void emitter.off(name, listener);
  });
};

// rxjs, every subscriber on one Subject (removal scans and splices an array).
export const subjectSubscribers: ChurnFactory = (count) => {
  const subject = new Subject<unknown>();
  return timeChurn(count, () => {
    const sub = subject.subscribe(noop);
    return () => sub.unsubscribe();
  });
};
