// The portable fallback: notices that watched pids exited by polling /proc
// (or kill(pid, 0) where there is no /proc) on an unref'd timer. Used for every
// pid when the addon is unavailable, and for single pids when pidfd_open ran
// out of file descriptors.
import { silentLogger, type Logger } from '../core/logger.js';
import { hasProcFs, readProcStat, readStartTime, type ProcStat } from '../proc/stat.js';
import { hasExited, probeKill } from '../proc/liveness.js';

/** How often polled pids are checked, in milliseconds. */
export const DEFAULT_POLL_INTERVAL_MS = 100;

/** What the poller saw: gone entirely, or a zombie (with its stat). */
export type PollExit = { readonly gone: true } | { readonly gone: false; readonly stat: ProcStat };

interface Polled {
  /** The start time of the watched process; null: it was gone when added; undefined: not readable yet. */
  startTime: number | null | undefined;
  readonly onExit: (exit: PollExit) => void;
}

/** Polls a set of pids and reports each exit once. */
export class PidPoller {
  readonly #intervalMs: number;
  readonly #polled = new Map<number, Polled>();
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number = DEFAULT_POLL_INTERVAL_MS) {
    this.#intervalMs = intervalMs;
  }

  /** Number of pids being polled. */
  get size(): number {
    return this.#polled.size;
  }

  // Starts polling pid. The start time recorded now is its identity: a new
  // process that reuses the pid has another start time and counts as an exit.
  add(pid: number, onExit: (exit: PollExit) => void): void {
    const startTime = hasProcFs() ? readStartTime(pid) : undefined;
    this.#polled.set(pid, { startTime, onExit });
    this.#timer ??= setInterval(() => this.#tick(), this.#intervalMs).unref();
  }

  // Stops polling pid without reporting it.
  delete(pid: number): void {
    this.#polled.delete(pid);
    if (this.#polled.size === 0) this.#stop();
  }

  // Checks pid now instead of waiting for the next tick.
  check(pid: number): void {
    const polled = this.#polled.get(pid);
    if (polled !== undefined) this.#checkOne(pid, polled);
  }

  close(): void {
    this.#polled.clear();
    this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    for (const [pid, polled] of [...this.#polled]) this.#checkOne(pid, polled);
  }

  #checkOne(pid: number, polled: Polled): void {
    let exit: PollExit | undefined;
    if (!hasProcFs()) {
      if (!probeKill(pid)) exit = { gone: true };
    } else {
      const stat = readProcStat(pid);
      // Gone when it was already gone when added (null start time), when it
      // is gone now, or when the pid names another process (start time).
      if (polled.startTime === null || stat === null) {
        exit = { gone: true };
      } else {
        // Not readable when added (no fd to spare): the process seen at the
        // first successful read is taken as the watched one.
        polled.startTime ??= stat.startTime;
        if (stat.startTime !== polled.startTime) exit = { gone: true };
        else if (hasExited(stat)) exit = { gone: false, stat };
      }
    }
    if (exit === undefined) return;
    this.delete(pid);
    polled.onExit(exit);
  }
}

let warnedAboutPolling = false;

/**
 * Says once per process copy that the poll fallback is in use, through the
 * host's logger when it gave one, else as a process warning (which a silent
 * default logger would swallow).
 */
export function warnPollingOnce(logger: Logger, reason: string): void {
  if (warnedAboutPolling) return;
  warnedAboutPolling = true;
  const message = `exitmon: native pidfd support unavailable, polling /proc instead (reaping children not started by node:child_process and subreaper adoption are disabled): ${reason}`;
  if (logger !== silentLogger) logger.warn({ reason }, message);
  else process.emitWarning(message, { type: 'ExitmonWarning', code: 'EXITMON_POLL_FALLBACK' });
}
