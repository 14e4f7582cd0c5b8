// Reaper: the source of exits. It watches pids (pidfd on Linux, /proc polling
// elsewhere), adopts orphans as a child subreaper, and publishes every exit it
// is responsible for to one ExitMonitor, exactly once. Ownership rules: never
// reap a node:child_process child, never wait on "any child" (docs/linux.md).
import type { ExitOutcome, ExitResources } from '../core/exit-event.js';
import { MonitorClosedError, NativeUnavailableError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { ExitMonitor } from '../core/monitor.js';
import { assertDuration, assertOptionalString, assertOptions, assertPid, rangeError, typeError } from '../core/validate.js';
import { probeNativeBinding } from '../native/load.js';
import type { ExitStatus } from './exit-status.js';
import { OrphanSweep } from './orphan-sweep.js';
import { PidfdBackend } from './pidfd-backend.js';
import { DEFAULT_POLL_INTERVAL_MS, PidPoller } from './poll-backend.js';
import { DEFAULT_SWEEP_INTERVAL_MS } from './sweep-scheduler.js';
import { WatchSet, type Watched, type WatchOptions } from './watch-set.js';

export { DEFAULT_POLL_INTERVAL_MS, DEFAULT_SWEEP_INTERVAL_MS, type WatchOptions };

/** Where exits come from: pidfd readiness (Linux addon) or /proc polling. */
export type ReaperBackend = 'pidfd' | 'poll';

/** Options of `new Reaper()` and `Reaper.shared()`. */
export interface ReaperOptions {
  /** A pino-compatible logger; a child's pid is logged as `childPid`. @default silent */
  logger?: Logger;
  /** `'auto'` uses pidfd when the addon loads, else polls; `'pidfd'` throws NativeUnavailableError without it. @default 'auto' */
  backend?: 'auto' | ReaperBackend;
  /** How often polled pids are checked, in ms. @default DEFAULT_POLL_INTERVAL_MS (100) */
  pollIntervalMs?: number;
  /** Safety sweep period while adopting orphans, in ms (SIGCHLD triggers sweeps too). @default DEFAULT_SWEEP_INTERVAL_MS (1000) */
  sweepIntervalMs?: number;
}

/** Counters of one reaper: what an operator alerts on. */
export interface ReaperStats {
  /** Pids watched now. */
  watched: number;
  /** Exits collected by this reaper (watched and adopted). */
  reapedTotal: number;
  /** Exits read and left to their owner (e.g. node:child_process). */
  observedTotal: number;
  /** Exits whose status was not ours to read. */
  unknownTotal: number;
  /** Orphans (unwatched children) reaped by the sweep. */
  adoptedTotal: number;
  /** Orphan sweeps run. */
  sweeps: number;
  /** `Date.now()` of the last sweep, or null before the first. */
  lastSweepAt: number | null;
  /** Faults worked around (pidfd_open EMFILE, failed watches, failed waits). */
  errors: number;
}

const reapers = new WeakMap<ExitMonitor, Reaper>();
let sharedReaper: Reaper | undefined;
let warnedAboutPolling = false;

/** @internal How many full /proc scans the orphan sweep of `reaper` ran (tests and benchmarks). */
export function orphanScans(reaper: Reaper): number {
  return scanCounters.get(reaper)?.() ?? 0;
}
const scanCounters = new WeakMap<Reaper, () => number>();

/** The open Reaper that publishes into `monitor`, if any (e.g. for spawn()). */
export function reaperFor(monitor: ExitMonitor): Reaper | undefined {
  const reaper = reapers.get(monitor);
  return reaper !== undefined && !reaper.closed ? reaper : undefined;
}

// Checks the options object; returns it with defaults applied.
function checkOptions(options: ReaperOptions | undefined): Required<ReaperOptions> {
  assertOptions(options);
  const { logger = silentLogger, backend = 'auto', pollIntervalMs = DEFAULT_POLL_INTERVAL_MS, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS } = options ?? {};
  if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function') {
    throw typeError('options.logger', 'a pino-compatible logger', logger);
  }
  if (backend !== 'auto' && backend !== 'pidfd' && backend !== 'poll') {
    throw (typeof backend === 'string' ? rangeError : typeError)('options.backend', "'auto', 'pidfd' or 'poll'", backend);
  }
  assertDuration(pollIntervalMs, 'options.pollIntervalMs');
  assertDuration(sweepIntervalMs, 'options.sweepIntervalMs');
  return { logger, backend, pollIntervalMs: Math.max(1, pollIntervalMs), sweepIntervalMs: Math.max(1, sweepIntervalMs) };
}

/**
 * Collects process exits and publishes them to an ExitMonitor.
 *
 * @example
 * const reaper = Reaper.shared();
 * reaper.becomeSubreaper();           // adopt and reap orphans
 * reaper.watch(pid, { execId: 'job-1' });
 * const exit = await reaper.monitor.waitPid(pid);
 */
export class Reaper implements Disposable {
  /** The monitor every exit is published to. */
  readonly monitor: ExitMonitor;
  /** `'pidfd'` with the native addon, `'poll'` without it. */
  readonly backend: ReaperBackend;
  readonly #logger: Logger;
  readonly #pidfd: PidfdBackend | null;
  readonly #poller: PidPoller;
  readonly #watches: WatchSet;
  readonly #orphans: OrphanSweep | null;
  readonly #onMonitorClose = (): void => this.close();
  #ownsMonitor = false;
  #closed = false;
  #counts = { reapedTotal: 0, observedTotal: 0, unknownTotal: 0, adoptedTotal: 0, errors: 0 };

  /**
   * The process-wide reaper with its own monitor, created on first use (and
   * again after it was closed); `options` apply when it is created. Closing it
   * closes its monitor.
   */
  static shared(options?: ReaperOptions): Reaper {
    if (sharedReaper === undefined || sharedReaper.closed) {
      const { logger } = checkOptions(options);
      const monitor = new ExitMonitor({ logger });
      sharedReaper = new Reaper(monitor, options);
      sharedReaper.#ownsMonitor = true;
    }
    return sharedReaper;
  }

  constructor(monitor: ExitMonitor, options?: ReaperOptions) {
    if (!(monitor instanceof ExitMonitor)) throw typeError('monitor', 'an ExitMonitor', monitor);
    if (monitor.closed) throw new MonitorClosedError('Cannot create a reaper: the exit monitor is closed');
    const { logger, backend, pollIntervalMs, sweepIntervalMs } = checkOptions(options);
    const probe = probeNativeBinding();
    if (backend === 'pidfd' && probe.binding === null) throw new NativeUnavailableError('The pidfd backend', { cause: probe.reason });
    this.monitor = monitor;
    this.#logger = logger;
    this.#pidfd = backend !== 'poll' && probe.binding !== null ? new PidfdBackend(probe.binding) : null;
    this.backend = this.#pidfd === null ? 'poll' : 'pidfd';
    if (this.#pidfd === null && backend === 'auto') this.#warnPolling(probe.reason ?? 'unknown reason');
    this.#poller = new PidPoller(pollIntervalMs);
    const host = {
      pidfd: this.#pidfd,
      poller: this.#poller,
      logger,
      collected: (watched: Watched, status: ExitStatus, outcome: ExitOutcome) => this.#publish(watched, status, outcome, false),
      fault: () => void this.#counts.errors++,
    };
    this.#watches = new WatchSet(host);
    this.#orphans = this.#pidfd === null ? null : new OrphanSweep({
      ...host,
      pidfd: this.#pidfd,
      watches: this.#watches,
      sweepIntervalMs,
      adopted: (watched, status) => this.#publish(watched, status, 'reaped', true),
    });
    const orphans = this.#orphans;
    if (orphans !== null) scanCounters.set(this, () => orphans.scans);
    if (!reapers.has(monitor) || reapers.get(monitor)!.closed) reapers.set(monitor, this);
    monitor.lifecycle.on('close', this.#onMonitorClose);
  }

  /** True once `close()` was called (or the monitor closed). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Watches pid until its exit is collected and published once. Watching a
   * watched pid again is a no-op while that process runs; after its exit was
   * published it can be watched again (a new process may have the pid by
   * then). If the watched process already exited but its exit was not
   * collected yet (the loop was busy) and the pid now names a new process,
   * the old exit is published first, synchronously, and the new process is
   * watched. A zombie observed and left to its owner (`reap: false`) is not
   * watched again: its exit was published already.
   * @throws TypeError/RangeError for bad arguments; NoSuchProcessError when pid
   * does not exist; NativeUnavailableError when reaping needs the addon;
   * MonitorClosedError after close().
   */
  watch(pid: number, options?: WatchOptions): void {
    assertPid(pid);
    assertOptions(options);
    const { reap = true, execId, containerId, resources } = options ?? {};
    if (typeof reap !== 'boolean') throw typeError('options.reap', 'a boolean', reap);
    assertOptionalString(execId, 'options.execId');
    assertOptionalString(containerId, 'options.containerId');
    if (containerId !== undefined && execId === undefined) {
      throw new TypeError('Expected `options.execId` to be set when `options.containerId` is, got only `containerId`');
    }
    if (this.#closed) throw new MonitorClosedError('Cannot watch: the reaper is closed');
    // Idempotent while the watched process runs; if it exited and the pid was
    // reused before its exit was collected, the old exit is published now and
    // the new process is watched (WatchSet.add).
    this.#watches.add(pid, { reap, execId, containerId, resources });
  }

  /**
   * Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER) so
   * orphans of its descendants are re-parented here; with `adoptOrphans` they
   * are reaped and published as 'reaped'. Returns false when the kernel refused.
   * @throws NativeUnavailableError on the poll backend; MonitorClosedError after close().
   */
  becomeSubreaper(options?: { /** @default true */ adoptOrphans?: boolean }): boolean {
    assertOptions(options);
    const { adoptOrphans = true } = options ?? {};
    if (typeof adoptOrphans !== 'boolean') throw typeError('options.adoptOrphans', 'a boolean', adoptOrphans);
    if (this.#closed) throw new MonitorClosedError('Cannot become subreaper: the reaper is closed');
    if (this.#orphans === null) throw new NativeUnavailableError('Becoming a child subreaper');
    return this.#orphans.becomeSubreaper(adoptOrphans);
  }

  stats(): ReaperStats {
    return {
      watched: this.#watches.size,
      ...this.#counts,
      sweeps: this.#orphans?.sweeps ?? 0,
      lastSweepAt: this.#orphans?.lastSweepAt ?? null,
    };
  }

  /**
   * Releases every handle: pidfds and their uv_poll watches, the SIGCHLD
   * listener, timers; gives up the subreaper role it took. Orphans that have
   * already exited are reaped by one last sweep. Pending watches are dropped
   * unpublished, except those of node:child_process children: their exit is
   * still published (as 'observed', from the child's 'exit' event) while the
   * monitor is open, so `spawn()`'s `exited` settles. Closes the monitor only
   * for `Reaper.shared()`. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.monitor.lifecycle.off('close', this.#onMonitorClose);
    this.#orphans?.close();
    this.#watches.close((watched, status) => this.#publish(watched, status, 'observed', false));
    this.#poller.close();
    if (reapers.get(this.monitor) === this) reapers.delete(this.monitor);
    if (this.#ownsMonitor) this.monitor.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #publish(watched: Pick<Watched, 'pid' | 'execId' | 'containerId' | 'resources'>, status: ExitStatus, outcome: ExitOutcome, adopted: boolean): void {
    const counts = this.#counts;
    if (outcome === 'reaped') counts.reapedTotal++;
    else if (outcome === 'observed') counts.observedTotal++;
    else counts.unknownTotal++;
    if (adopted) counts.adoptedTotal++;
    // Publish first, log after: the exit reaches subscribers sooner, and a
    // silent logger costs nothing (no record object is built for it).
    if (!this.monitor.closed) {
      try {
        this.monitor.publish({
          pid: watched.pid,
          execId: watched.execId,
          containerId: watched.containerId,
          code: status.code,
          signal: status.signal,
          status: status.status,
          coreDumped: status.coreDumped,
          outcome,
          resources: readResources(watched),
          // The moment of collection, read here: one clock read per exit is
          // cheaper on this cold path than the core's burst-amortised clock.
          timestamp: Date.now(),
        });
      } catch (error) {
        counts.errors++;
        this.#logger.error({ childPid: watched.pid, err: error }, 'exitmon: could not publish an exit');
      }
    }
    if (this.#logger !== silentLogger) {
      this.#logger.debug({ childPid: watched.pid, outcome, status: status.status, adopted }, 'exitmon: exit collected');
    }
  }

  #warnPolling(reason: string): void {
    if (warnedAboutPolling) return;
    warnedAboutPolling = true;
    const message = `exitmon: native pidfd support unavailable (${reason}); polling /proc instead. Reaping non-node:child_process children and subreaper adoption are disabled.`;
    // One warning, through the host's logger when it gave one, else as a
    // process warning (which a silent default logger would swallow).
    if (this.#logger !== silentLogger) this.#logger.warn({ reason }, message);
    else process.emitWarning(message, { type: 'ExitmonWarning', code: 'EXITMON_POLL_FALLBACK' });
  }
}

// The watch's resource reader (spawn's cgroup containment), if any; a reader
// that throws costs the event its resources, never the event itself.
function readResources(watched: Pick<Watched, 'resources'>): ExitResources | undefined {
  try {
    return watched.resources?.();
  } catch {
    return undefined;
  }
}
