// The monitor's answers to "when did (or will) X exit?": the recent-exits
// cache and the pending waitPid/waitExec promises, both fed by publish().
// Separate from delivery: a wait is settled inside publish(), never through
// a subscription's buffer.
import { MonitorClosedError } from './errors.js';
import type { ExitEvent } from './exit-event.js';
import { RecentExits } from './recent-exits.js';
import { pendingWait, type WaitOptions } from './wait.js';
import { Waiters, type Waiter } from './waiters.js';

/** What a wait is for: one pid, or one exec (of one container when given). */
export type WaitSubject = { pid: number } | { execId: string; containerId?: string };

export class ExitWaits {
  readonly #recent: RecentExits;
  readonly #pid = new Waiters<number>();
  readonly #exec = new Waiters<string>();
  #closed = false;

  constructor(recentExits: number) {
    this.#recent = new RecentExits(recentExits);
  }

  /** Pending waits. */
  get size(): number {
    return this.#pid.size + this.#exec.size;
  }

  /** Remembers a published exit and settles the waits it answers. */
  record(event: ExitEvent): void {
    this.#recent.remember(event);
    this.#pid.settle(event.pid, event);
    if (event.execId !== undefined) {
      this.#exec.settle(event.execId, event, (w) => w.containerId === undefined || w.containerId === event.containerId);
    }
  }

  /** The remembered last exit of `pid`. */
  lastExit(pid: number): ExitEvent | undefined {
    return this.#recent.byPid(pid);
  }

  /**
   * A wait for `subject`'s exit; answered at once from the cache when
   * `remembered` allows (waitPid/waitExec), else only by a later publish
   * (spawn()'s `exited`). An already aborted signal rejects first, as in
   * node's APIs, even when the answer is known.
   */
  wait(subject: WaitSubject, options: WaitOptions, remembered: boolean): Promise<ExitEvent> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const what = 'pid' in subject ? `the exit of pid ${subject.pid}` : `the exit of exec ${subject.execId}`;
    const cached = !remembered ? undefined : 'pid' in subject ? this.#recent.byPid(subject.pid) : this.#recent.byExec(subject.execId, subject.containerId);
    if (cached !== undefined) return Promise.resolve(cached);
    if (this.#closed) return Promise.reject(new MonitorClosedError(`Cannot wait for ${what}: the exit monitor is closed`));
    const [waiters, key] = ('pid' in subject ? [this.#pid, subject.pid] : [this.#exec, subject.execId]) as [Waiters<unknown>, unknown];
    const containerId = 'pid' in subject ? undefined : subject.containerId;
    return pendingWait<ExitEvent, Waiter>(
      options,
      what,
      { containerId },
      (waiter) => waiters.add(key, waiter),
      (waiter) => waiters.remove(key, waiter),
    );
  }

  /**
   * Forgets remembered exits, each for its own lookup only: all of `pid`'s,
   * or those of `execId` (only in `containerId` when given).
   */
  forget(subject: WaitSubject): void {
    if ('pid' in subject) this.#recent.forgetPid(subject.pid);
    else this.#recent.forgetExec(subject.execId, subject.containerId);
  }

  /** Rejects every pending wait; later ones are answered from the cache or rejected. */
  close(): void {
    this.#closed = true;
    const reason = (): MonitorClosedError => new MonitorClosedError('The exit monitor closed before the exit was seen');
    this.#pid.rejectAll(reason);
    this.#exec.rejectAll(reason);
  }
}
