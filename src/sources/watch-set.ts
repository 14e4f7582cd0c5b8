// The pids a reaper watches, each until its exit is collected once. A watch
// holds a pidfd (the PID-reuse-safe identity) armed in the addon's epoll set,
// or, without the addon or without an fd to spare, a slot in the /proc
// poller. Who may reap what is Ownership's answer; what an exit means is
// watch-exits.ts's; this file keeps the bookkeeping: one watch per pid,
// collected exactly once, every handle released.
import { NativeUnavailableError, NoSuchProcessError } from '../core/errors.js';
import { runMicrotask } from '../core/microtask.js';
import { readProcStat } from '../proc/stat.js';
import { processExists } from '../proc/liveness.js';
import { notAThread } from '../proc/thread-group.js';
import { fromChildExit, fromWaitResult, type ExitStatus } from './exit-status.js';
import { ERRNO, syscallError } from './native-errors.js';
import { childProcessReaped, ownedChildProcess, runtimeChildExit } from './ownership.js';
import type { CollectedExit } from './pidfd-backend.js';
import type { PollExit } from './poll-backend.js';
import { verdictOfCollected, verdictOfPolled, type ExitVerdict } from './watch-exits.js';
import type { Watched, WatchHost, WatchOptions } from './watch-types.js';

export type { Watched, WatchHost, WatchOptions };

/** The longest wait between two tries of a refused reap, in ms. */
const RETRY_MAX_MS = 100;

// A child of a runtime spawn API: its runtime reaps it and reports the exit.
function isRuntimeChild(watched: Watched): boolean {
  return watched.child !== undefined || watched.runtimeExit !== undefined;
}

/** The watched pids of one reaper, by pid. */
export class WatchSet {
  readonly #host: WatchHost;
  readonly #byPid = new Map<number, Watched>();
  // Marks a runtime child (its ChildProcess, or the Bun/Deno exit report)
  // whose exit this set published 'observed': its zombie waits for the
  // runtime's reap, and watching it again must not publish the same exit
  // twice. A non-enumerable property under this set's own symbol, set to
  // true: it lives and dies with the child, and unlike a WeakSet/WeakMap
  // entry it needs no identity hash (V8 draws one from a random number
  // generator whose state page, like the entry's write barrier, costs a
  // copy-on-write fault right after node:child_process's fork: a WeakMap
  // entry per watch put bench/exit-latency's observed subject at 1.17–1.45×
  // node's 'exit' in five quick runs, the mark at 0.88–1.35×, median 1.08×).
  readonly #observedMark = Symbol('exitmon.observedExit');
  // The few handles that take no property (frozen, sealed): remembered here.
  readonly #observedUnmarkable = new WeakSet<object>();

  constructor(host: WatchHost) {
    this.#host = host;
  }

  get size(): number {
    return this.#byPid.size;
  }

  has(pid: number): boolean {
    return this.#byPid.has(pid);
  }

  // Starts watching pid; true when a new watch began (false: watched already,
  // or a zombie already observed and left to its owner, a runtime child's
  // included). Throws NoSuchProcessError, NativeUnavailableError or SyscallError.
  //
  // Idempotent while the watched process runs. If it exited but its exit was
  // not collected yet (its batch has not run: the loop was busy), the pid
  // may already name a new process: the old exit is collected and published
  // now, synchronously, and the new process gets its own watch.
  add(pid: number, options: Required<Pick<WatchOptions, 'reap'>> & WatchOptions): boolean {
    const existing = this.#byPid.get(pid);
    if (existing !== undefined && !this.#flushIfExited(existing)) {
      // One process, one exec: another execId would wait for an exit that is published under the first.
      if (options.execId !== undefined && (options.execId !== existing.execId || options.containerId !== existing.containerId)) {
        const as = (w: { execId?: string; containerId?: string }): string => `execId ${JSON.stringify(w.execId)}${w.containerId === undefined ? '' : ` in container ${JSON.stringify(w.containerId)}`}`;
        throw new RangeError(`Expected pid ${pid} to be watched as ${as(existing)}, as it is already, got ${as(options)}`);
      }
      return false;
    }
    const { pidfd, logger, ownership } = this.#host;
    if (ownership.isLeftToOwner(pid)) return false;
    const child = ownedChildProcess(pid);
    const runtimeExit = child === undefined ? runtimeChildExit(pid) : undefined;
    const runtimeHandle = child ?? runtimeExit;
    if (runtimeHandle !== undefined && this.#wasObserved(runtimeHandle)) return false;
    const watched: Watched = { pid, reap: ownership.mayReapNewWatch(pid, options.reap, options.spawned === true), execId: options.execId, containerId: options.containerId, resources: options.resources, child, runtimeExit, fd: -1 };
    if (pidfd !== null) {
      const opened = pidfd.open(pid);
      if ('fd' in opened) watched.fd = opened.fd;
      else if (opened.errno === ERRNO.ESRCH) throw new NoSuchProcessError(pid, { cause: syscallError('pidfd_open', -opened.errno) });
      else if (opened.errno === ERRNO.EMFILE || opened.errno === ERRNO.ENFILE || opened.errno === ERRNO.ENOMEM) {
        this.#host.fault();
        logger.warn({ childPid: pid, err: syscallError('pidfd_open', -opened.errno) }, 'exitmon: no pidfd to spare; polling this pid instead');
      } else throw notAThread(pid) ?? syscallError('pidfd_open', -opened.errno);
    } else {
      const thread = notAThread(pid);
      if (thread !== undefined) throw thread;
      if (!processExists(pid)) throw new NoSuchProcessError(pid);
      if (child === undefined && watched.reap && readProcStat(pid)?.ppid === process.pid) {
        throw new NativeUnavailableError('Reaping a child that no runtime spawn API owns');
      }
    }
    this.#byPid.set(pid, watched);
    if (child !== undefined) {
      watched.onChildExit = (code, signal) => this.#finish(watched, { publish: true, status: fromChildExit(code, signal), outcome: 'observed', leftToOwner: false });
      child.once('exit', watched.onChildExit);
    } else if (runtimeExit !== undefined) {
      // Like a ChildProcess's 'exit': the runtime tells the status when it reaped first.
      runtimeExit.then(
        ({ code, signal }) => this.#finish(watched, { publish: true, status: fromChildExit(code, signal), outcome: 'observed', leftToOwner: false }),
        () => this.#finish(watched, verdictOfPolled(null)),
      );
    }
    if (watched.fd >= 0) this.#arm(watched);
    else if (child === undefined && runtimeExit === undefined) this.#poll(watched);
    return true;
  }

  // Collects a watched pid the orphan sweep found as a zombie, now, if it
  // really exited (a 'Z' leader whose threads run has not: its pidfd is not
  // readable, the watch stays armed and publishes the real exit later).
  collectNow(pid: number): void {
    const watched = this.#byPid.get(pid);
    if (watched !== undefined) this.#flushIfExited(watched);
  }

  // Drops every watch without publishing: fds closed, poller slots and
  // listeners removed. A watch of a node:child_process child that has not
  // exited yet hands its exit over: `handOver` is called from the child's
  // 'exit' event, so whoever awaits that exit (spawn()'s `exited`) still gets it.
  close(handOver?: (watched: Watched, status: ExitStatus) => void): void {
    for (const watched of [...this.#byPid.values()]) {
      this.#release(watched);
      const child = watched.child;
      if (handOver !== undefined && child !== undefined && !childProcessReaped(child)) {
        child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => handOver(watched, fromChildExit(code, signal)));
      }
    }
  }

  // Collects `watched` now if its process has exited; true when it was (the
  // pid is free for a new watch), false while the same process still runs.
  #flushIfExited(watched: Watched): boolean {
    if (watched.fd >= 0) {
      const exit = this.#host.pidfd!.collect(watched.fd);
      if (exit === null) return false;
      this.#onCollected(watched, exit);
    } else if (watched.child !== undefined) {
      if (!childProcessReaped(watched.child)) return false;
      watched.onChildExit?.(watched.child.exitCode, watched.child.signalCode);
    } else {
      this.#host.poller.check(watched.pid);
    }
    return this.#byPid.get(watched.pid) !== watched;
  }

  #arm(watched: Watched): void {
    try {
      this.#host.pidfd!.watch(watched.fd, watched.pid, watched.reap && !isRuntimeChild(watched), (exit) => this.#onCollected(watched, exit));
    } catch (error) {
      this.#host.fault();
      this.#host.logger.warn({ childPid: watched.pid, err: error }, 'exitmon: pidfd watch failed; polling this pid instead');
      this.#dropFd(watched);
      if (!isRuntimeChild(watched)) this.#poll(watched);
    }
  }

  #poll(watched: Watched): void {
    this.#host.poller.add(watched.pid, (exit) => this.#onPolled(watched, exit));
  }

  #dropFd(watched: Watched): void {
    if (watched.fd >= 0) this.#host.pidfd?.close(watched.fd);
    watched.fd = -1;
  }

  // The addon collected the exit (in a batch, or synchronously in collect()).
  #onCollected(watched: Watched, exit: CollectedExit): void {
    if (this.#byPid.get(watched.pid) !== watched || watched.fd < 0) return;
    const runtimeChild = isRuntimeChild(watched);
    // A reap the addon refused although nobody owns the pid: a spawn was in
    // flight in some thread (its child, not yet recorded, could have had
    // this pid). There is no owner to leave the zombie to: try again shortly.
    if (exit.kind === 'exited' && !exit.reaped && watched.reap && !runtimeChild && this.#host.ownership.mayReap(watched.pid, true)) {
      return this.#retryReap(watched, exit);
    }
    const verdict = verdictOfCollected(exit, runtimeChild);
    // The runtime reaped it first: the fd is done, the child's 'exit' event (or its runtime's report) publishes.
    if (!verdict.publish) return this.#dropFd(watched);
    this.#finish(watched, verdict);
  }

  // Collects the exit again after a delay that doubles up to RETRY_MAX_MS (a
  // synchronous spawn in a worker may hold its window for seconds). The
  // exit happened: the timer holds the process open until it is published
  // (the spawn in flight holds it anyway); the watch stays in the map.
  #retryReap(watched: Watched, peeked: CollectedExit & { kind: 'exited' }): void {
    const delay = watched.retryMs ?? 1;
    watched.retryMs = Math.min(delay * 2, RETRY_MAX_MS);
    setTimeout(() => {
      const pidfd = this.#host.pidfd;
      if (this.#byPid.get(watched.pid) !== watched || pidfd === null) return;
      // Through the watch's pidfd, still open: ECHILD, never a stranger's
      // exit, if someone else reaped it and the pid was reused meanwhile.
      // The addon re-decides ownership under its lock.
      const reaped = pidfd.reapUnowned(watched.pid, watched.fd);
      if (reaped.kind === 'busy') return this.#retryReap(watched, peeked);
      if (reaped.kind === 'exited' && reaped.result.pid > 0) return this.#finish(watched, verdictOfCollected({ ...reaped, reaped: true }, false));
      // Someone else took it meanwhile: what the peek read is all there is.
      this.#finish(watched, { publish: true, status: fromWaitResult(peeked.result), outcome: 'observed', leftToOwner: false });
    }, delay);
  }

  // The poller saw the pid disappear or turn into a zombie.
  #onPolled(watched: Watched, exit: PollExit): void {
    if (this.#byPid.get(watched.pid) !== watched) return;
    const stat = exit.gone ? null : exit.stat;
    const pidfd = this.#host.pidfd;
    if (stat !== null && stat.ppid === process.pid && watched.reap && pidfd !== null) {
      // Our child, polled for want of an fd: reap it by pid (never a runtime's: 'busy').
      const reaped = pidfd.reapUnowned(watched.pid);
      if (reaped.kind === 'exited') return this.#finish(watched, verdictOfCollected({ ...reaped, reaped: true }, false));
      if (reaped.kind !== 'busy') return this.#finish(watched, verdictOfPolled(null));
    }
    this.#finish(watched, verdictOfPolled(stat));
  }

  // Publishes first and releases the watch's handles after the exit's
  // delivery: publish() queued the delivery slice (and settled spawn()'s
  // `exited`) as microtasks, and the release is queued behind them, so the
  // pidfd's close(2) and the listener removal (about 8 µs, cold, measured in
  // bench/exit-latency's setting) no longer come before the subscribers.
  // Taking the watch out of the map (and the poller, keyed by pid) at once
  // keeps it collected exactly once and leaves the pid free for a new watch.
  #finish(watched: Watched, verdict: ExitVerdict): void {
    if (!verdict.publish || this.#byPid.get(watched.pid) !== watched) return;
    this.#byPid.delete(watched.pid);
    this.#host.poller.delete(watched.pid);
    try {
      if (verdict.fault !== undefined) {
        this.#host.fault();
        this.#host.logger.error({ childPid: watched.pid, err: syscallError('waitid', -verdict.fault) }, 'exitmon: waitid failed');
      }
      const runtimeHandle = watched.child ?? watched.runtimeExit;
      if (verdict.outcome === 'observed' && runtimeHandle !== undefined) this.#markObserved(runtimeHandle);
      this.#host.collected(watched, verdict.status, verdict.outcome);
    } finally {
      // Synchronously, before any consumer runs (publish() only queues the
      // delivery): a subscriber that watches the pid again must find it
      // left to its owner.
      if (verdict.leftToOwner) this.#host.ownership.leaveToOwner(watched.pid);
      runMicrotask(() => this.#releaseHandles(watched));
    }
  }

  // Whether this set published a runtime child's exit 'observed' (see #observedMark).
  #wasObserved(handle: object): boolean {
    return (handle as Record<symbol, unknown>)[this.#observedMark] === true || this.#observedUnmarkable.has(handle);
  }

  #markObserved(handle: object): void {
    if (!Reflect.defineProperty(handle, this.#observedMark, { value: true })) this.#observedUnmarkable.add(handle);
  }

  // Releases everything a watch holds. Called exactly once per watch.
  #release(watched: Watched): void {
    if (this.#byPid.get(watched.pid) === watched) this.#byPid.delete(watched.pid);
    this.#host.poller.delete(watched.pid);
    this.#releaseHandles(watched);
  }

  // The pidfd and the child's 'exit' listener of a watch that left the map.
  #releaseHandles(watched: Watched): void {
    this.#dropFd(watched);
    if (watched.child !== undefined && watched.onChildExit !== undefined) watched.child.off('exit', watched.onChildExit);
  }
}
