// The shapes of watching: the options of Reaper.watch, one watched pid, and
// what a WatchSet needs from its reaper.
import type { ChildProcess } from 'node:child_process';
import type { ExitOutcome, ExitResources } from '../core/exit-event.js';
import type { Logger } from '../core/logger.js';
import type { ExitStatus } from './exit-status.js';
import type { Ownership, RuntimeExit } from './ownership.js';
import type { PidfdBackend } from './pidfd-backend.js';
import type { PidPoller } from './poll-backend.js';

/** Options of `Reaper.watch`. */
export interface WatchOptions {
  /** Collect the zombie when it is this process's child (never a runtime's child, e.g. node:child_process). @default true */
  reap?: boolean;
  /** Publish the exit as the exit of this exec. */
  execId?: string;
  /** The container of the exec; needs `execId`. */
  containerId?: string;
  /** @internal Read right before the exit is published (spawn's cgroup containment). */
  resources?: () => ExitResources | undefined;
}

/** One watched pid. */
export interface Watched {
  readonly pid: number;
  readonly reap: boolean;
  readonly execId: string | undefined;
  readonly containerId: string | undefined;
  readonly resources?: () => ExitResources | undefined;
  readonly child: ChildProcess | undefined;
  /** A Bun.spawn / Deno.Command child: the runtime's report of its exit. */
  readonly runtimeExit?: Promise<RuntimeExit>;
  /** The pidfd, or -1 while polled. */
  fd: number;
  /** The delay before the next try of a reap the addon refused for a spawn in flight, in ms. */
  retryMs?: number;
  onChildExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** What a WatchSet needs from its reaper. */
export interface WatchHost {
  readonly pidfd: PidfdBackend | null;
  readonly poller: PidPoller;
  readonly logger: Logger;
  readonly ownership: Ownership;
  /** Counts and publishes one collected exit. */
  collected(watched: Watched, status: ExitStatus, outcome: ExitOutcome): void;
  /** Counts one fault that was worked around. */
  fault(): void;
}
