// Publishes the exits a reaper collected to its monitor, exactly as
// collected, and counts them for Reaper.stats(): reaped, observed, unknown,
// adopted, and the faults that were worked around.
import type { ExitOutcome, ExitResources } from '../core/exit-event.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { ExitMonitor } from '../core/monitor.js';
import type { ExitStatus } from './exit-status.js';
import type { ReaperStats } from './reaper-options.js';
import type { Watched } from './watch-set.js';

/** What one exit is published as: the watch's identity and resource reader. */
export type PublishedWatch = Pick<Watched, 'pid' | 'execId' | 'containerId' | 'resources'>;

/** The counters of Reaper.stats() kept here. */
export type ExitCounts = { -readonly [K in 'reapedTotal' | 'observedTotal' | 'unknownTotal' | 'adoptedTotal' | 'errors']: ReaperStats[K] };

export class ExitPublisher {
  readonly counts: ExitCounts = { reapedTotal: 0, observedTotal: 0, unknownTotal: 0, adoptedTotal: 0, errors: 0 };
  readonly #monitor: ExitMonitor;
  readonly #logger: Logger;

  constructor(monitor: ExitMonitor, logger: Logger) {
    this.#monitor = monitor;
    this.#logger = logger;
  }

  /** Counts one fault that was worked around. */
  fault(): void {
    this.counts.errors++;
  }

  /** Counts and publishes one collected exit; a monitor that refuses it costs a log line, never an exception. */
  publish(watched: PublishedWatch, status: ExitStatus, outcome: ExitOutcome, adopted: boolean): void {
    const counts = this.counts;
    if (outcome === 'reaped') counts.reapedTotal++;
    else if (outcome === 'observed') counts.observedTotal++;
    else counts.unknownTotal++;
    if (adopted) counts.adoptedTotal++;
    // Publish first, log after: the exit reaches subscribers sooner, and a
    // silent logger costs nothing (no record object is built for it).
    if (!this.#monitor.closed) {
      try {
        this.#monitor.publish({
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
