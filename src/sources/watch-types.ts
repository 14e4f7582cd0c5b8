// The shapes of watching: the options of Reaper.watch, one watched pid, and
// what a WatchSet needs from its reaper.
import type { ChildProcess } from 'node:child_process';
import { assertOptionalString, assertOptions, assertPid, rangeError, typeError } from '../core/validate.js';
import type { ExitOutcome, ExitResources } from '../core/exit-event.js';
import type { Logger } from '../core/logger.js';
import type { ExitStatus } from './exit-status.js';
import type { Ownership, RuntimeExit } from './ownership.js';
import type { PidfdBackend } from './pidfd-backend.js';
import type { PidPoller } from './poll-backend.js';

/** Options of `Reaper.watch`. */
export interface WatchOptions {
  /** Collect the zombie when it is this process's child; never a runtime's child (e.g. node:child_process), nor one that started before exitmon could record who spawned it (docs/linux.md, rule 3): those are only observed. @default true */
  reap?: boolean;
  /** Publish the exit as the exit of this exec. */
  execId?: string;
  /** The container of the exec; needs `execId`. */
  containerId?: string;
  /** @internal Read right before the exit is published (spawn's cgroup containment). */
  resources?: () => ExitResources | undefined;
  /** @internal The watch of exitmon's native spawn, from the child's birth: its own child, whenever it started. */
  spawned?: boolean;
}

/**
 * Checks `Reaper.watch`'s arguments; returns the options with `reap`'s default.
 * @throws TypeError/RangeError naming the bad argument (this process's own
 * pid is one: it never sees its own exit).
 */
export function checkWatchOptions(pid: unknown, options: WatchOptions | undefined): Required<Pick<WatchOptions, 'reap'>> & WatchOptions {
  assertPid(pid);
  if (pid === process.pid) throw rangeError('pid', 'another process than this one', pid);
  assertOptions(options);
  const { reap = true, execId, containerId, resources, spawned } = options ?? {};
  if (typeof reap !== 'boolean') throw typeError('options.reap', 'a boolean', reap);
  assertOptionalString(execId, 'options.execId');
  assertOptionalString(containerId, 'options.containerId');
  if (containerId !== undefined && execId === undefined) {
    throw new TypeError('Expected `options.execId` to be set when `options.containerId` is, got only `containerId`');
  }
  return { reap, execId, containerId, resources, ...(spawned === true ? { spawned } : {}) };
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
