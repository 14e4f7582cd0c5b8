// The mechanism behind one Reaper, assembled and wired: the backend (the
// addon's pidfd event source, or /proc polling), the watches, the ownership
// bookkeeping, the orphan sweep and the loop hold. Every exit any of them
// collects leaves through one `publish`, which counts it, hands it to the
// monitor and lets the loop hold look again. reaper.ts keeps the public API.
import type { ExitOutcome } from '../core/exit-event.js';
import type { ExitMonitor } from '../core/monitor.js';
import { ExitPublisher, type PublishedWatch } from './exit-publisher.js';
import type { ExitStatus } from './exit-status.js';
import { LoopHold } from './loop-hold.js';
import { OrphanSweep } from './orphan-sweep.js';
import { adoptedOrphans, hasNoChildren, mayAdopt, Ownership } from './ownership.js';
import type { PidfdBackend } from './pidfd-backend.js';
import { PidPoller } from './poll-backend.js';
import { chooseBackend } from './reaper-backend.js';
import type { ReaperBackend, ReaperOptions } from './reaper-options.js';
import { WatchSet, type Watched } from './watch-set.js';

/** The parts of one reaper. */
export interface ReaperParts {
  readonly exits: ExitPublisher;
  readonly pidfd: PidfdBackend | null;
  readonly backend: ReaperBackend;
  readonly poller: PidPoller;
  readonly ownership: Ownership;
  readonly watches: WatchSet;
  /** Null on the poll backend: adopting orphans needs the addon. */
  readonly orphans: OrphanSweep | null;
  readonly hold: LoopHold;
  /** Counts and publishes one collected exit, then lets the hold look again. */
  publish(watched: PublishedWatch, status: ExitStatus, outcome: ExitOutcome, adopted: boolean): void;
}

/**
 * Builds and wires the parts of a reaper that publishes into `monitor`.
 * @throws what chooseBackend throws ('pidfd' asked for and unavailable).
 */
export function assembleReaper(monitor: ExitMonitor, options: Required<ReaperOptions>): ReaperParts {
  const { logger, backend: requested, pollIntervalMs, sweepIntervalMs } = options;
  const exits = new ExitPublisher(monitor, logger);
  const { pidfd, backend } = chooseBackend(requested, logger);
  const poller = new PidPoller(pollIntervalMs);
  // The parts refer to each other; each is set before anything can call in.
  let watches: WatchSet | undefined;
  let hold: LoopHold | undefined;
  const ownership = new Ownership((pid) => watches?.has(pid) ?? false);
  const publish: ReaperParts['publish'] = (watched, status, outcome, adopted) => {
    exits.publish(watched, status, outcome, adopted);
    // That may have been the last thing alive. An adopted orphan's sweep
    // ends with swept(), which checks once for all of them.
    if (!adopted) hold?.update();
  };
  const host = {
    pidfd,
    poller,
    ownership,
    logger,
    collected: (watched: Watched, status: ExitStatus, outcome: ExitOutcome) => publish(watched, status, outcome, false),
    fault: () => exits.fault(),
  };
  watches = new WatchSet(host);
  const orphans = pidfd === null ? null : new OrphanSweep({
    ...host,
    pidfd,
    watches,
    sweepIntervalMs,
    adopted: (watched, status) => publish(watched, status, 'reaped', true),
    swept: () => hold?.update(),
  });
  const watchSet = watches;
  hold = new LoopHold({
    watchedCount: () => watchSet.size,
    mayAdopt,
    hasNoChildren,
    adopted: () => adoptedOrphans(),
  });
  return { exits, pidfd, backend, poller, ownership, watches, orphans, hold, publish };
}
