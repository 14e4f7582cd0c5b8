// The restart decision after a service's process exited on its own: restart
// or not, after how long, and when a crash loop makes the service 'failed'.
import type { ResolvedService } from './config.js';

/** What to do after an exit. */
export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number }
  | { readonly restart: false; readonly failed: boolean; readonly reason: string };

/**
 * Remembers a service's recent restarts. The backoff is `restartDelay`
 * doubled once per restart still inside `restartWindow` (capped at
 * `maxRestartDelay`), so a service that stays up for a window starts again
 * from the short delay; more than `maxRestarts` in the window is a crash loop.
 */
export class RestartPolicy {
  readonly #service: ResolvedService;
  /** When each restart inside the current window was decided (ms, monotonic). */
  #recent: number[] = [];

  constructor(service: ResolvedService) {
    this.#service = service;
  }

  /**
   * Decides after an exit with `status` (-1 when unknown). `unready`: a
   * service (not a oneshot) ended before its ready check passed.
   */
  decide(status: number, now = performance.now(), unready = false): RestartDecision {
    const s = this.#service;
    if (s.restart === 'no' || (s.restart === 'on-failure' && status === 0)) return this.judge(status, unready);
    this.#recent = this.#recent.filter((t) => now - t < s.restartWindowMs);
    if (this.#recent.length >= s.maxRestarts) {
      // `restart: always` counts clean exits too (as systemd's start limit
      // does): no crash then, but the same limit ("start request repeated too quickly").
      const what = status === 0 ? 'restarted too often' : 'crash loop';
      return { restart: false, failed: true, reason: `${what}: ${s.maxRestarts} restart(s) within ${s.restartWindowMs}ms` };
    }
    const delayMs = Math.min(s.restartDelayMs * 2 ** this.#recent.length, s.maxRestartDelayMs);
    this.#recent.push(now);
    return { restart: true, delayMs };
  }

  /**
   * The verdict on an exit that is not followed by a restart: failed unless
   * status 0, and failed whatever the status when the service ended before
   * it was ready (it never did what its dependents wait for; systemd fails a
   * Type=notify unit that exits before READY=1 alike).
   */
  judge(status: number, unready = false): RestartDecision & { restart: false } {
    if (unready) return { restart: false, failed: true, reason: `exited with status ${status} before it was ready` };
    const failed = status !== 0;
    const reason = !failed ? 'exited' : this.#service.oneshot ? 'the oneshot failed' : `exited with status ${status}`;
    return { restart: false, failed, reason };
  }

  /** Forgets the history (a manual restart starts afresh). */
  reset(): void {
    this.#recent = [];
  }
}
