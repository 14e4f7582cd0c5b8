// The exit promise of a spawned process, subscribed before the exit can be
// published.
//
// Why this cannot miss the exit: the process may well have exited already
// (spawn returned after exec), but exit sources only publish from event loop
// callbacks (pidfd readiness, SIGCHLD, timers), and no loop turn happens
// between the spawn returning and the subscribe() below, which runs in the
// same synchronous turn as the watch. Subscribing here is therefore
// equivalent to subscribing before the start, which is how containerd closed
// the lost-exit race (#1452, #1525). The watch comes first on purpose: if the
// reaper still watched an earlier process with this pid whose exit it had not
// collected yet (PID reuse while the loop was busy), watch() publishes that
// stale exit synchronously, and it reaches no subscription made after it. A
// fresh subscription rather than `monitor.waitPid` also ignores the
// recent-exits cache, which could hold the exit of an earlier process that had
// the same pid.
import { MonitorClosedError, SubscriptionClosedError } from '../core/errors.js';
import type { ExitEvent } from '../core/exit-event.js';
import type { ExitMonitor } from '../core/monitor.js';
import type { Topic } from '../core/topic.js';

/** Subscribes to the exit of pid (as an exec when execId is set); call right after the watch. */
export function subscribeExit(monitor: ExitMonitor, pid: number, execId?: string, containerId?: string): Promise<ExitEvent> {
  const topic: Topic = execId === undefined ? { pid } : containerId === undefined ? { execId } : { execId, containerId };
  const subscription = monitor.subscribe(topic);
  const exit = subscription.next().catch((error: unknown) => {
    // The monitor closed under the subscription: say so directly.
    throw error instanceof SubscriptionClosedError && error.cause instanceof MonitorClosedError ? error.cause : error;
  });
  void exit.then(
    () => subscription.unsubscribe(),
    () => subscription.unsubscribe(),
  );
  return exit;
}

/** Adds execId/containerId to an object only when set. */
export function withExec<T extends object>(base: T, execId?: string, containerId?: string): T & { execId?: string; containerId?: string } {
  const out: T & { execId?: string; containerId?: string } = { ...base };
  if (execId !== undefined) out.execId = execId;
  if (containerId !== undefined) out.containerId = containerId;
  return out;
}
