// ExitMonitor: fans every published exit out to its subscriptions. publish()
// only validates, numbers and enqueues; the Dispatcher delivers later in
// time-bounded slices. Platform-free: no `node:` imports.
import { EventEmitter } from 'eventemitter3';
import { shareInstanceof } from './brand.js';
import { Dispatcher } from './dispatcher.js';
import { drainSubscriptions } from './drain.js';
import { MonitorClosedError } from './errors.js';
import { createExitEvent, type ExitEvent, type ExitInit } from './exit-event.js';
import { ExitWaits, type WaitSubject } from './exit-waits.js';
import { silentLogger, type Logger } from './logger.js';
import { checkMonitorOptions, type ExitMonitorOptions } from './monitor-options.js';
import { backlogOf, type MonitorStats } from './monitor-stats.js';
import { warnListenerFailureOnce } from './process-warning.js';
import { Router } from './router.js';
import { Subscription, type ExitSubscription } from './subscription.js';
import { SubscriptionState, type ExitListener, type SubscriptionHub } from './subscription-state.js';
import { runTeardown } from './teardown.js';
import { normalizeTopic, publicTopic, type Topic } from './topic.js';
import { assertNonEmptyString, assertOptionalString, assertPid, typeError } from './validate.js';
import { checkWaitOptions, type WaitOptions } from './wait.js';

export type { ExitMonitorOptions, MonitorStats };

/** Coarse lifecycle signals of a monitor (eventemitter3). */
export interface MonitorLifecycleEvents {
  close: [];
  leak: [subscriptionId: number];
}

/**
 * Fans process exits out to subscriptions in strict FIFO order through
 * unbounded per-subscription buffers.
 *
 * @example
 * const monitor = new ExitMonitor();
 * using sub = monitor.subscribe({ pid: 1234 }, (e) => console.log(e.status));
 * monitor.publish({ pid: 1234, code: 0 });
 */
export class ExitMonitor implements Disposable {
  /** `close` and `leak` signals, for hosts that manage many monitors. */
  readonly lifecycle = new EventEmitter<MonitorLifecycleEvents>();
  readonly #logger: Logger;
  readonly #router = new Router();
  readonly #dispatcher: Dispatcher;
  readonly #waits: ExitWaits;
  readonly #registry: FinalizationRegistry<SubscriptionState>;
  readonly #hub: SubscriptionHub;
  #closed = false;
  #seq = 0;
  #nextId = 0;
  #dropped = 0;
  #leaked = 0;
  #listenerErrors = 0;

  constructor(options?: ExitMonitorOptions) {
    const { logger, recentExits, sliceMs } = checkMonitorOptions(options);
    this.#logger = logger;
    this.#waits = new ExitWaits(recentExits);
    this.#dispatcher = new Dispatcher(sliceMs);
    this.#registry = new FinalizationRegistry((state) => this.#reclaim(state));
    this.#hub = {
      detach: (state) => {
        this.#router.remove(state);
        this.#registry.unregister(state);
      },
      markReady: (state) => this.#dispatcher.markReady(state),
      reportConsumerError: (state, error) => {
        this.#listenerErrors++;
        // silentLogger is also what a Reaper passes when its host gave none.
        if (this.#logger === silentLogger) warnListenerFailureOnce(error);
        this.#log('error', { err: error, subscription: state.id, topic: state.topic }, 'exitmon: a subscriber failed; delivery goes on');
      },
      dropped: (n) => void (this.#dropped += n),
    };
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Subscribes to a topic (default `'all'`). With a listener, events are pushed
   * to it (a returned promise is awaited before the next event) and the
   * subscription lives until unsubscribed; without one, read it through
   * `events`, `for await` or `next()`.
   * @throws MonitorClosedError after `close()`; TypeError/RangeError for a bad topic.
   */
  subscribe(topic?: Topic): ExitSubscription;
  subscribe(topic: Topic, listener: ExitListener): ExitSubscription;
  subscribe(topic: Topic = 'all', listener?: ExitListener): ExitSubscription {
    const normalized = normalizeTopic(topic);
    if (listener !== undefined && typeof listener !== 'function') throw typeError('listener', 'a function', listener);
    if (this.#closed) throw new MonitorClosedError('Cannot subscribe: the exit monitor is closed');
    const state = new SubscriptionState(++this.#nextId, normalized, publicTopic(normalized), this.#hub);
    const handle = new Subscription(state);
    if (listener !== undefined) {
      state.claim('listener');
      state.listener = listener;
    } else {
      // Only pull subscriptions can be abandoned silently: track their handle.
      this.#registry.register(handle, state, state);
    }
    this.#router.add(state);
    return handle;
  }

  /**
   * Publishes one exit: numbers it, remembers it, enqueues it to every matching
   * subscription and settles matching waits. Never runs consumer code.
   * @throws MonitorClosedError after `close()`; TypeError/RangeError for bad input.
   */
  publish(exit: ExitInit): ExitEvent {
    if (this.#closed) throw new MonitorClosedError('Cannot publish: the exit monitor is closed');
    const event = createExitEvent(exit, this.#seq + 1);
    this.#seq = event.seq;
    this.#waits.record(event);
    this.#router.route(event);
    return event;
  }

  /**
   * Resolves with the first exit of `pid` published after the call, or at once
   * with the remembered exit when `pid` already exited recently.
   * Rejects with `WaitTimeoutError`, the abort reason, or `MonitorClosedError`.
   */
  waitPid(pid: number, options?: WaitOptions): Promise<ExitEvent> {
    try {
      assertPid(pid);
      const checked = checkWaitOptions(options);
      return this.#waits.wait({ pid }, checked, true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like `waitPid`, for the exit of an exec (optionally of one container). */
  waitExec(execId: string, options?: WaitOptions & { containerId?: string }): Promise<ExitEvent> {
    try {
      assertNonEmptyString(execId, 'execId');
      const checked = checkWaitOptions(options);
      const containerId = options?.containerId;
      assertOptionalString(containerId, 'options.containerId');
      return this.#waits.wait(containerId === undefined ? { execId } : { execId, containerId }, checked, true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * @internal The first exit of `pid` (or of `execId`, in `containerId` when
   * given) published after the call, never a remembered one: spawn()'s
   * `exited`. A wait, not a subscription: publish() settles it synchronously,
   * before it routes the event, so its promise reactions run in the same
   * microtask checkpoint as the delivery slice, ahead of it, with no
   * dispatcher turn of its own (`await p.exited` may resume before a `{ pid }`
   * listener got the same event).
   */
  nextExit(subject: WaitSubject): Promise<ExitEvent> {
    return this.#waits.wait(subject, {}, false);
  }

  /** The remembered last exit of `pid`, if it is still in the recent-exits cache. */
  lastExit(pid: number): ExitEvent | undefined {
    assertPid(pid);
    return this.#waits.lastExit(pid);
  }

  /**
   * @internal Forgets remembered exits so that `waitPid`/`waitExec`/`lastExit`
   * wait for the next process instead of answering with an older one: all of
   * `pid`'s, or those of `execId` (only in `containerId` when given), each
   * for its own lookup only (an old pid's exit still answers waitPid after its
   * execId started again). Sources call it when a pid is watched again as a
   * live process, `spawn()` when an execId starts again.
   */
  forget(subject: WaitSubject): void {
    this.#waits.forget(subject);
  }

  /**
   * Resolves once every event published before the call has been delivered
   * to every subscription open at the call (a listener's returned promise
   * settled), or that subscription closed. `close()` drops what is buffered,
   * so `await monitor.drain(); monitor.close()` loses nothing. A pull
   * subscription that nobody reads keeps it pending: give it a `timeout`
   * (rejects with `WaitTimeoutError`) or a `signal` (rejects with its reason).
   * Resolves at once when nothing is outstanding, and after `close()`
   * (an already aborted `signal` rejects all the same, as for `waitPid`). A
   * listener that awaits `drain()` waits for itself: never do that.
   *
   * @example
   * // at shutdown: deliver everything already published, then close
   * await monitor.drain({ timeout: 5000 });
   * monitor.close();
   */
  drain(options?: WaitOptions): Promise<void> {
    let checked: WaitOptions;
    try {
      checked = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return drainSubscriptions(this.#router.states(), checked);
  }

  stats(): MonitorStats {
    return {
      subscriptions: this.#router.size,
      waiters: this.#waits.size,
      published: this.#seq,
      delivered: this.#dispatcher.delivered,
      dropped: this.#dropped,
      ...backlogOf(this.#router.states()),
      leaked: this.#leaked,
      listenerErrors: this.#listenerErrors,
    };
  }

  /**
   * Completes every subscription (dropping what is buffered: `await drain()`
   * first to lose nothing), rejects pending waits with MonitorClosedError and
   * emits `'close'`. Idempotent. Every step runs even when a `'close'`
   * listener throws; then it throws a `TeardownError` whose `cause` is the
   * first failure (the monitor is closed all the same).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const cause = new MonitorClosedError();
    for (const state of [...this.#router.states()]) state.close(cause);
    this.#waits.close();
    // Each 'close' listener is called on its own (emit() would stop at the
    // first that throws). 'close' never fires again, so they are released.
    const listeners = this.lifecycle.listeners('close');
    this.lifecycle.removeAllListeners('close');
    runTeardown('The exit monitor', listeners.map((listener) => () => listener.call(this.lifecycle)));
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // A pull subscription's handle was garbage-collected while still open.
  #reclaim(state: SubscriptionState): void {
    if (state.closed) return;
    this.#leaked++;
    this.#log(this.#leaked === 1 ? 'warn' : 'debug', { subscription: state.id, topic: state.topic, backlog: state.queue.length },
      'exitmon: a subscription became unreachable without unsubscribe(); reclaimed it (use `using` or unsubscribe())');
    state.close();
    try {
      this.lifecycle.emit('leak', state.id);
    } catch (error) {
      this.#log('error', { err: error }, "exitmon: a 'leak' lifecycle listener threw");
    }
  }

  // Logs through the host's logger; a logger that throws must not break
  // delivery or a finalizer, so its failure is dropped.
  #log(level: 'error' | 'warn' | 'debug', obj: object, msg: string): void {
    try {
      this.#logger[level](obj, msg);
    } catch {
      // Nothing better to do with a logger that fails.
    }
  }
}

shareInstanceof(ExitMonitor, 'ExitMonitor');
