// The counters of ExitMonitor.stats(), and the backlog part read from the subscriptions.
import type { SubscriptionState } from './subscription-state.js';

/** Counters of one monitor, for metrics and alerts. */
export interface MonitorStats {
  /** Open subscriptions. */
  subscriptions: number;
  /** Pending `waitPid` / `waitExec` calls and `exited` promises of running spawns. */
  waiters: number;
  /** Events published since creation. */
  published: number;
  /** Event deliveries made (one per subscription reached). */
  delivered: number;
  /** Buffered events dropped because their subscription closed first. */
  dropped: number;
  /** Events buffered in all subscriptions. */
  backlogTotal: number;
  /** The largest backlog of one subscription now. */
  backlogMax: number;
  /** Subscriptions reclaimed because they became unreachable undisposed. */
  leaked: number;
  /** Listener and observer failures caught. */
  listenerErrors: number;
}

/** Events buffered in all subscriptions, and the largest backlog of one. */
export function backlogOf(states: Iterable<SubscriptionState>): Pick<MonitorStats, 'backlogTotal' | 'backlogMax'> {
  let backlogTotal = 0;
  let backlogMax = 0;
  for (const state of states) {
    const n = state.queue.length;
    backlogTotal += n;
    if (n > backlogMax) backlogMax = n;
  }
  return { backlogTotal, backlogMax };
}
