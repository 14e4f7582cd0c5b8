// The exit promise of a spawned process, asked for before the exit can be
// published.
//
// Why this cannot miss the exit: the process may well have exited already
// (spawn returned after exec), but exit sources only publish from event loop
// callbacks (pidfd readiness, SIGCHLD, timers), and no loop turn happens
// between the spawn returning and the wait below, which starts in the same
// synchronous turn as the watch. Waiting here is therefore equivalent to
// waiting from before the start, which is how containerd closed the lost-exit
// race (#1452, #1525). The watch comes first on purpose: if the reaper still
// watched an earlier process with this pid whose exit it had not collected
// yet (PID reuse while the loop was busy), watch() publishes that stale exit
// synchronously, and it settles no wait started after it. `nextExit` never
// answers from the recent-exits cache, which could hold the exit of an earlier
// process that had the same pid; publish() settles it synchronously, so the
// exit reaches `exited` without a delivery turn.
import type { ExitEvent } from '../core/exit-event.js';
import type { ExitMonitor } from '../core/monitor.js';

/** Waits for the next exit of pid (as an exec when execId is set); call right after the watch. */
export function waitForExit(monitor: ExitMonitor, pid: number, execId?: string, containerId?: string): Promise<ExitEvent> {
  return monitor.nextExit(execId === undefined ? { pid } : containerId === undefined ? { execId } : { execId, containerId });
}

/** Adds execId/containerId to an object only when set. */
export function withExec<T extends object>(base: T, execId?: string, containerId?: string): T & { execId?: string; containerId?: string } {
  const out: T & { execId?: string; containerId?: string } = { ...base };
  if (execId !== undefined) out.execId = execId;
  if (containerId !== undefined) out.containerId = containerId;
  return out;
}
