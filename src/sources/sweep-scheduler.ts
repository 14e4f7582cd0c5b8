// Decides when the orphan sweep runs: on SIGCHLD, deferred with setImmediate so
// that libuv has reaped its own children in the same loop turn first, and on a
// slow unref'd safety timer in case a signal was missed (worker threads, or a
// SIGCHLD that arrived while another handler held the signal). Neither the
// signal listener (Node unrefs signal handles) nor the timer keeps Node alive.

/** How often the safety sweep runs while orphans are adopted, in ms. */
export const DEFAULT_SWEEP_INTERVAL_MS = 1000;

/** Runs `sweep` after each SIGCHLD (coalesced) and every `intervalMs`. */
export class SweepScheduler {
  readonly #sweep: () => void;
  readonly #intervalMs: number;
  readonly #onSignal = (): void => this.schedule();
  #timer: NodeJS.Timeout | undefined;
  #pending: NodeJS.Immediate | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryAt = 0;
  #running = false;

  constructor(sweep: () => void, intervalMs: number = DEFAULT_SWEEP_INTERVAL_MS) {
    this.#sweep = sweep;
    this.#intervalMs = intervalMs;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    process.on('SIGCHLD', this.#onSignal);
    this.#timer = setInterval(() => this.schedule(), this.#intervalMs).unref();
    this.schedule();
  }

  // Asks for one sweep after the current loop turn; many requests make one sweep.
  schedule(): void {
    if (!this.#running || this.#pending !== undefined) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      if (this.#running) this.#sweep();
    });
  }

  // Asks for one sweep in about `ms` (an unref'd one-shot timer; the earliest request wins).
  retryIn(ms: number): void {
    if (!this.#running) return;
    const at = Date.now() + Math.max(1, Math.ceil(ms));
    if (this.#retry !== undefined && this.#retryAt <= at) return;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retryAt = at;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.schedule();
    }, at - Date.now()).unref();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    process.off('SIGCHLD', this.#onSignal);
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#timer = undefined;
    this.#pending = undefined;
    this.#retry = undefined;
  }
}
