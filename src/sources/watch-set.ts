// The pids a reaper watches, each until its exit is collected once. A watch
// holds a pidfd (the PID-reuse-safe identity) armed on the libuv loop, or, when
// there is no addon or no fd to spare, a slot in the /proc poller. Children of
// node:child_process are only ever peeked at (WNOWAIT); their 'exit' event is
// the deterministic fallback when libuv reaped first.
import type { ChildProcess } from 'node:child_process';
import { NativeUnavailableError, NoSuchProcessError } from '../core/errors.js';
import type { ExitOutcome, ExitResources } from '../core/exit-event.js';
import type { Logger } from '../core/logger.js';
import { ownedChildProcess } from './child-process.js';
import { fromChildExit, fromRawWaitStatus, fromWaitResult, UNKNOWN_STATUS, type ExitStatus } from './exit-status.js';
import { ERRNO, syscallError } from './native-errors.js';
import type { PidfdBackend } from './pidfd-backend.js';
import { processExists, type PidPoller, type PollExit } from './poll-backend.js';
import { readProcStat } from './proc-scan.js';

/** Options of `Reaper.watch`. */
export interface WatchOptions {
  /** Collect the zombie when it is this process's child (never for node:child_process children). @default true */
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
  /** The pidfd, or -1 while polled. */
  fd: number;
  onChildExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** What a WatchSet needs from its reaper. */
export interface WatchHost {
  readonly pidfd: PidfdBackend | null;
  readonly poller: PidPoller;
  readonly logger: Logger;
  /** Counts and publishes one collected exit. */
  collected(watched: Watched, status: ExitStatus, outcome: ExitOutcome): void;
  /** Counts one fault that was worked around. */
  fault(): void;
}

/** The watched pids of one reaper, by pid. */
export class WatchSet {
  readonly #host: WatchHost;
  readonly #byPid = new Map<number, Watched>();
  // Zombies observed with reap: false, left to their owner: the orphan sweep
  // must not collect them (and publish them a second time). Pid -> start time.
  readonly #leftToOwner = new Map<number, number>();

  constructor(host: WatchHost) {
    this.#host = host;
  }

  get size(): number {
    return this.#byPid.size;
  }

  has(pid: number): boolean {
    return this.#byPid.has(pid);
  }

  // Whether some zombie with this pid was left to its owner (check the start time with isLeftToOwner).
  hasLeftToOwner(pid: number): boolean {
    return this.#leftToOwner.has(pid);
  }

  // True when pid is a zombie this reaper observed and promised to leave alone.
  isLeftToOwner(pid: number, startTime: number): boolean {
    const kept = this.#leftToOwner.get(pid);
    if (kept === undefined) return false;
    if (kept === startTime) return true;
    this.#leftToOwner.delete(pid); // the pid was reused: a new process
    return false;
  }

  // Forgets left-alone pids whose owner has reaped them by now.
  pruneLeftToOwner(): void {
    for (const [pid, startTime] of this.#leftToOwner) {
      const stat = readProcStat(pid);
      if (stat === null || stat.startTime !== startTime || stat.state !== 'zombie') this.#leftToOwner.delete(pid);
    }
  }

  // Starts watching pid. Throws NoSuchProcessError, NativeUnavailableError or SyscallError.
  //
  // A pid that is watched already stays watched as it is (idempotent) while
  // the watched process runs. If that process has exited but its exit was not
  // collected yet (its readiness callback has not run: the loop was busy), the
  // pid may already name a new process: the old exit is collected and
  // published now, synchronously, and the new process gets its own watch.
  // Without this, a spawn() that got the old pid would receive the old exit
  // and its own would be lost. A zombie whose exit was observed and left to
  // its owner is not watched again: its exit was published once already.
  add(pid: number, options: Required<Pick<WatchOptions, 'reap'>> & WatchOptions): void {
    const existing = this.#byPid.get(pid);
    if (existing !== undefined && !this.#flushIfExited(existing)) return;
    if (this.#leftToOwner.has(pid)) {
      const stat = readProcStat(pid);
      if (stat !== null && this.isLeftToOwner(pid, stat.startTime)) return;
    }
    const { pidfd, logger } = this.#host;
    const child = ownedChildProcess(pid);
    const watched: Watched = { pid, reap: options.reap, execId: options.execId, containerId: options.containerId, resources: options.resources, child, fd: -1 };
    if (pidfd !== null) {
      const opened = pidfd.open(pid);
      if ('fd' in opened) watched.fd = opened.fd;
      else if (opened.errno === ERRNO.ESRCH) throw new NoSuchProcessError(pid, { cause: syscallError('pidfd_open', -opened.errno) });
      else if (opened.errno === ERRNO.EMFILE || opened.errno === ERRNO.ENFILE || opened.errno === ERRNO.ENOMEM) {
        this.#host.fault();
        logger.warn({ childPid: pid, err: syscallError('pidfd_open', -opened.errno) }, 'exitmon: no pidfd to spare; polling this pid instead');
      } else throw syscallError('pidfd_open', -opened.errno);
    } else {
      if (!processExists(pid)) throw new NoSuchProcessError(pid);
      if (child === undefined && options.reap && readProcStat(pid)?.ppid === process.pid) {
        throw new NativeUnavailableError('Reaping a child that node:child_process does not own');
      }
    }
    this.#byPid.set(pid, watched);
    if (child !== undefined) {
      watched.onChildExit = (code, signal) => this.#finish(watched, fromChildExit(code, signal), 'observed');
      child.once('exit', watched.onChildExit);
    }
    if (watched.fd >= 0) this.#arm(watched);
    else if (child === undefined) this.#poll(watched);
  }

  // Collects a watched pid the orphan sweep found as a zombie, now, if it
  // really exited. A thread-group leader that called pthread_exit() shows as
  // 'Z' in /proc while its other threads run: its pidfd is not readable yet
  // (pidfd_open(2): readable once the whole thread group exited), so the
  // watch stays armed and publishes the real exit later, once.
  collectNow(pid: number): void {
    const watched = this.#byPid.get(pid);
    if (watched === undefined) return;
    if (watched.fd >= 0) {
      if (this.#host.pidfd!.ready(watched.fd)) this.#onReady(watched, 0);
    } else this.#host.poller.check(pid);
  }

  // Drops every watch without publishing: fds closed, poller slots and
  // listeners removed. A watch of a node:child_process child that has not
  // exited yet hands its exit over: `handOver` is called from the child's
  // 'exit' event, so whoever awaits that exit (spawn()'s `exited`) still gets it.
  close(handOver?: (watched: Watched, status: ExitStatus) => void): void {
    for (const watched of [...this.#byPid.values()]) {
      this.#release(watched);
      const child = watched.child;
      if (handOver !== undefined && child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => handOver(watched, fromChildExit(code, signal)));
      }
    }
    this.#leftToOwner.clear();
  }

  // Collects `watched` now if its process has exited; true when it was (the
  // pid is free for a new watch), false while the same process still runs.
  #flushIfExited(watched: Watched): boolean {
    if (watched.fd >= 0) {
      if (!this.#host.pidfd!.ready(watched.fd)) return false;
      this.#onReady(watched, 0);
    } else if (watched.child !== undefined) {
      const { exitCode, signalCode } = watched.child;
      if (exitCode === null && signalCode === null) return false;
      this.#finish(watched, fromChildExit(exitCode, signalCode), 'observed');
    } else {
      this.#host.poller.check(watched.pid);
    }
    return this.#byPid.get(watched.pid) !== watched;
  }

  #arm(watched: Watched): void {
    try {
      this.#host.pidfd!.watch(watched.fd, (status) => this.#onReady(watched, status));
    } catch (error) {
      this.#fallBackToPolling(watched, error);
    }
  }

  #poll(watched: Watched): void {
    this.#host.poller.add(watched.pid, (exit) => this.#onPolled(watched, exit));
  }

  #fallBackToPolling(watched: Watched, error: unknown): void {
    this.#host.fault();
    this.#host.logger.warn({ childPid: watched.pid, err: error }, 'exitmon: pidfd watch failed; polling this pid instead');
    this.#host.pidfd!.close(watched.fd);
    watched.fd = -1;
    if (watched.child === undefined) this.#poll(watched);
  }

  // The pidfd became readable: the process exited (or polling failed).
  #onReady(watched: Watched, status: number): void {
    if (this.#byPid.get(watched.pid) !== watched || watched.fd < 0) return;
    const pidfd = this.#host.pidfd!;
    if (status < 0) return this.#fallBackToPolling(watched, syscallError('uv_poll', status));
    // Ours to reap: reap at once, the only system call before publishing on
    // the common path. reapUnowned never takes a child that node:child_process
    // owns in another realm (worker thread): 'busy', checked under the addon's lock.
    if (watched.reap && watched.child === undefined) {
      const reaped = pidfd.reapUnowned(watched.pid, watched.fd);
      if (reaped.kind === 'exited') return this.#finish(watched, fromWaitResult(reaped.result), 'reaped');
      if (reaped.kind === 'error') return this.#notOurs(watched, reaped.errno);
      // 'busy' or 'running': read the status below without reaping.
    }
    const peeked = pidfd.peek(watched.fd);
    if (peeked.kind === 'running') {
      // Readable yet not exited cannot happen for an exited pidfd; re-arm rather than guess.
      pidfd.close(watched.fd);
      watched.fd = -1;
      return watched.child === undefined ? this.#poll(watched) : undefined;
    }
    if (watched.child !== undefined) {
      if (peeked.kind === 'exited') return this.#finish(watched, fromWaitResult(peeked.result), 'observed');
      // libuv reaped it first (ECHILD): its 'exit' event carries the status.
      pidfd.close(watched.fd);
      watched.fd = -1;
      return;
    }
    if (peeked.kind === 'error') return this.#notOurs(watched, peeked.errno);
    // Watched with reap: false, or owned by node:child_process in another realm.
    this.#leaveToOwner(watched.pid);
    this.#finish(watched, fromWaitResult(peeked.result), 'observed');
  }

  // waitid refused: ECHILD means the process is not our child, so its status
  // is not ours to read; anything else is a fault, logged and counted.
  #notOurs(watched: Watched, errno: number): void {
    if (errno !== ERRNO.ECHILD) {
      this.#host.fault();
      this.#host.logger.error({ childPid: watched.pid, err: syscallError('waitid', -errno) }, 'exitmon: waitid failed');
    }
    this.#finish(watched, UNKNOWN_STATUS, 'unknown');
  }

  // The poller saw the pid disappear or turn into a zombie.
  #onPolled(watched: Watched, exit: PollExit): void {
    if (this.#byPid.get(watched.pid) !== watched) return;
    if (exit.gone || exit.stat.ppid !== process.pid) return this.#finish(watched, UNKNOWN_STATUS, 'unknown');
    const pidfd = this.#host.pidfd;
    if (watched.reap && pidfd !== null) {
      // reapUnowned: never a pid that node:child_process owns in any realm.
      const reaped = pidfd.reapUnowned(watched.pid);
      if (reaped.kind === 'exited') return this.#finish(watched, fromWaitResult(reaped.result), 'reaped');
      if (reaped.kind !== 'busy') return this.#finish(watched, UNKNOWN_STATUS, 'unknown');
      // Owned by libuv elsewhere: observe it like any zombie left to its owner.
    }
    // Our zombie, left to its owner: /proc still shows its wait status (Linux ≥ 3.5).
    this.#leaveToOwner(watched.pid);
    const raw = exit.stat.exitStatus;
    if (raw === undefined || !Number.isInteger(raw)) return this.#finish(watched, UNKNOWN_STATUS, 'unknown');
    this.#finish(watched, fromRawWaitStatus(raw), 'observed');
  }

  #leaveToOwner(pid: number): void {
    const stat = readProcStat(pid);
    if (stat !== null) this.#leftToOwner.set(pid, stat.startTime);
  }

  // Publishes first and releases the watch (fd close, listeners) after: the
  // exit reaches subscribers a few system calls sooner. Taking the watch out
  // of the map first keeps it collected exactly once.
  #finish(watched: Watched, status: ExitStatus, outcome: ExitOutcome): void {
    if (this.#byPid.get(watched.pid) !== watched) return;
    this.#byPid.delete(watched.pid);
    try {
      this.#host.collected(watched, status, outcome);
    } finally {
      this.#release(watched);
    }
  }

  // Releases everything a watch holds. Called exactly once per watch.
  #release(watched: Watched): void {
    if (this.#byPid.get(watched.pid) === watched) this.#byPid.delete(watched.pid);
    if (watched.fd >= 0) this.#host.pidfd?.close(watched.fd);
    watched.fd = -1;
    if (watched.child !== undefined && watched.onChildExit !== undefined) watched.child.off('exit', watched.onChildExit);
    this.#host.poller.delete(watched.pid);
  }
}
