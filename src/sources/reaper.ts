// Reaper: the source of exits. It watches pids (pidfd on Linux, /proc polling
// elsewhere), adopts orphans as a child subreaper, and publishes every exit it
// is responsible for to one ExitMonitor, exactly once. Who may reap what is
// decided in ownership.ts; never wait on "any child" (docs/linux.md).
import { MonitorClosedError, NativeUnavailableError } from '../core/errors.js';
import { shareInstanceof } from '../core/brand.js';
import { runMicrotask } from '../core/microtask.js';
import { runTeardown } from '../core/teardown.js';
import { ExitMonitor } from '../core/monitor.js';
import { assertOptions, typeError } from '../core/validate.js';
import { hasProcFs } from '../proc/stat.js';
import { zombieChildren } from '../proc/tree.js';
import { adoptedOrphans } from './ownership.js';
import { DEFAULT_POLL_INTERVAL_MS } from './poll-backend.js';
import { assembleReaper, type ReaperParts } from './reaper-parts.js';
import { reaperAddon, registeredReaper, registerReaper, unregisterReaper } from './reaper-registry.js';
import { checkOptions, type ReaperBackend, type ReaperOptions, type ReaperStats } from './reaper-options.js';
import { batchCounters, scanCounters } from './reaper-counters.js';
import { SharedReaperSlot } from './shared-reaper.js';
import { DEFAULT_SWEEP_INTERVAL_MS } from './sweep-scheduler.js';
import { treeStopper, type StopOptions, type StopResult } from './tree-stopper.js';
import { checkWatchOptions, type WatchOptions } from './watch-types.js';

export { DEFAULT_POLL_INTERVAL_MS, DEFAULT_SWEEP_INTERVAL_MS, type ReaperBackend, type ReaperOptions, type ReaperStats, type StopOptions, type StopResult, type WatchOptions };

const shared = new SharedReaperSlot<Reaper>();

export { reaperAddon };

/** The open Reaper that publishes into `monitor`, if any (e.g. for spawn()). */
export function reaperFor(monitor: ExitMonitor): Reaper | undefined {
  return registeredReaper(monitor) as Reaper | undefined;
}

/**
 * Collects process exits and publishes them to an ExitMonitor.
 *
 * @example
 * const reaper = Reaper.shared();
 * reaper.becomeSubreaper();           // adopt and reap orphans
 * // watch first: it forgets any remembered exit of an earlier process with
 * // this pid, so the wait below is for this process, never a stale one
 * reaper.watch(pid, { execId: 'job-1' });
 * const exit = await reaper.monitor.waitExec('job-1');
 */
export class Reaper implements Disposable {
  /** The monitor every exit is published to. */
  readonly monitor: ExitMonitor;
  /** `'pidfd'` with the native addon, `'poll'` without it. */
  readonly backend: ReaperBackend;
  readonly #parts: ReaperParts;
  readonly #onMonitorClose = (): void => this.close();
  #ownsMonitor = false;
  #closed = false;

  /**
   * The process-wide reaper with its own monitor, created on first use (and
   * again after it was closed); `options` apply when it is created. Every copy
   * of exitmon in the process (ESM and CJS builds, two installed copies of
   * this major version) gets the same reaper. Closing it closes its monitor.
   * @throws ExitMonitorError (code `'ERR_SHARED_REAPER_OPTIONS'`) when `options`
   * differ from those the existing shared reaper was created with.
   */
  static shared(options?: ReaperOptions): Reaper {
    const wanted = checkOptions(options);
    const open = shared.open(options === undefined ? undefined : wanted);
    if (open !== undefined) return open;
    const monitor = new ExitMonitor({ logger: wanted.logger });
    const reaper = new Reaper(monitor, options);
    reaper.#ownsMonitor = true;
    shared.set(reaper, wanted);
    return reaper;
  }

  constructor(monitor: ExitMonitor, options?: ReaperOptions) {
    if (!(monitor instanceof ExitMonitor)) throw typeError('monitor', 'an ExitMonitor', monitor);
    if (monitor.closed) throw new MonitorClosedError('Cannot create a reaper: the exit monitor is closed');
    // Now, not from a sweep later: a runtime that refuses /proc (Deno without -A) throws NativeUnavailableError here.
    hasProcFs();
    this.monitor = monitor;
    this.#parts = assembleReaper(monitor, checkOptions(options));
    const { pidfd, orphans } = this.#parts;
    this.backend = this.#parts.backend;
    if (orphans !== null) scanCounters.set(this, () => orphans.scans);
    if (pidfd !== null) batchCounters.set(this, () => pidfd.batches);
    registerReaper(this, pidfd?.binding);
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
   * watched again: its exit was published already. Watching a live process
   * forgets the monitor's remembered exit of an earlier process with this pid
   * (and, with `execId`, of an earlier run of that exec), so `waitPid(pid)`
   * (`waitExec(execId)`) after `watch()` waits for this process.
   * @throws TypeError/RangeError for bad arguments (this process's own pid is
   * one: it never sees its own exit); NoSuchProcessError when pid
   * does not exist; NativeUnavailableError when reaping needs the addon;
   * MonitorClosedError after close().
   */
  watch(pid: number, options?: WatchOptions): void {
    const watch = checkWatchOptions(pid, options);
    const { execId, containerId } = watch;
    if (this.#closed) throw new MonitorClosedError('Cannot watch: the reaper is closed');
    // A refed reaper holds the loop for a watched process (evaluated once the watch is in).
    const hold = this.#parts.hold;
    if (hold.refed && !hold.holding) runMicrotask(() => hold.update());
    // Idempotent while the watched process runs; if it exited and the pid was
    // reused before its exit was collected, the old exit is published now and
    // the new process is watched (WatchSet.add).
    if (this.#parts.watches.add(pid, watch)) {
      this.monitor.forget({ pid });
      // A restarted exec: waitExec must wait for this process, as after spawn().
      if (execId !== undefined) this.monitor.forget(containerId === undefined ? { execId } : { execId, containerId });
    }
  }

  /**
   * The live orphans this process adopted: children re-parented to it as a
   * child subreaper (or as PID 1) whose parent died. Never a child this
   * process started itself: not one of node:child_process, `Bun.spawn`,
   * `Deno.Command` or a library built on them, not one of exitmon's
   * `spawn()`, not a pid an open reaper watches (its watcher manages it),
   * not a child that existed before exitmon was loaded or before this
   * process became subreaper (owner unknown: tsx's esbuild helper, say).
   * Empty when this process is neither subreaper nor PID 1. Reads /proc
   * (one listing, read-only: it reaps nothing); a question about the
   * process, so it answers after `close()` too. The rule is spelled out in
   * docs/linux.md, "Which children are adopted orphans".
   * @example
   * reaper.becomeSubreaper();
   * // … a daemon double-forks and its parent exits …
   * reaper.adopted(); // [4711]
   */
  adopted(): number[] {
    return adoptedOrphans().map((p) => p.pid).sort((a, b) => a - b);
  }

  /**
   * This process's zombie children now, whoever owns them (a zombie of
   * node:child_process is its owner's to collect): exits not collected yet.
   * One waitid(2) with WNOWAIT answers when there is none (it reaps nothing);
   * only then is /proc listed. `exitmon run` and `up` wait for it to be empty
   * before they exit.
   * @example
   * reaper.zombies(); // [] once every exit was collected
   */
  zombies(): number[] {
    if (this.#parts.pidfd?.hasNoZombie() === true) return [];
    return zombieChildren(process.pid).map((p) => p.pid).sort((a, b) => a - b);
  }

  /**
   * Stops every adopted orphan (see `adopted()`) with its descendants and the
   * groups they lead, with `stopProcessTree`'s escalation: `signal`, up to
   * `graceMs`, then `killSignal` to whatever is left, verified gone, every
   * signal PID-reuse safe. One combined result for all of them;
   * `alreadyExited` when there was nothing to stop. This process's own
   * children and their trees are left alone (unless they are in an orphan's
   * group that holds none of ours). Orphans re-parented during the stop are
   * found as descendants. With `adoptOrphans`, the sweep reaps them as usual.
   * @throws (rejects) TypeError/RangeError for bad options, as stopProcessTree.
   * @example
   * const { survivors } = await reaper.stopAdopted({ graceMs: 2000 });
   */
  async stopAdopted(options?: StopOptions): Promise<StopResult> {
    const stop = treeStopper();
    return stop(adoptedOrphans().map(({ pid, startTime }) => ({ pid, startTime })), options);
  }

  /**
   * Holds the event loop open while any watched process or adopted orphan
   * is alive, and lets go when none is (re-checked on every collected exit
   * and orphan sweep): a PID-1 or supervisor script can `for await` its
   * orphans' exits and end when the last one was delivered. Without it (the
   * default) the reaper never keeps the process alive. Works with either
   * backend and on Node, Bun and Deno.
   * @example
   * // PID 1 of a container: ends (status 0) once every orphan exited and was logged
   * const reaper = Reaper.shared().ref();
   * reaper.becomeSubreaper();
   * reaper.monitor.subscribe('all', (exit) => log(exit));
   * spawn('sh', ['-c', 'start-daemons'], { stdio: 'inherit' });
   */
  ref(): this {
    if (this.#closed) throw new MonitorClosedError('Cannot ref: the reaper is closed');
    this.#parts.hold.ref();
    return this;
  }

  /** Back to the default: the reaper never keeps the process alive. */
  unref(): this {
    this.#parts.hold.unref();
    return this;
  }

  /** Whether `ref()` is in effect (the loop is held only while something is alive). */
  get refed(): boolean {
    return this.#parts.hold.refed;
  }

  /**
   * Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER) so
   * orphans of its descendants are re-parented here; with `adoptOrphans` they
   * are reaped and published as 'reaped'. Returns false when the kernel refused.
   *
   * Children this process already had are never adopted by default: their
   * owner is unknown (a library cannot tell). `adoptInherited: true` says
   * that this process started none of them itself, so they were inherited
   * through exec from the program it replaced (a shell's background job
   * before `exec exitmon run …`): then they are adopted like orphans (reaped,
   * listed by `adopted()`), as an init does. For inits only.
   * @throws NativeUnavailableError on the poll backend; MonitorClosedError after close().
   */
  becomeSubreaper(options?: {
    /** @default true */ adoptOrphans?: boolean;
    /** @default false */ adoptInherited?: boolean;
  }): boolean {
    assertOptions(options);
    const { adoptOrphans = true, adoptInherited = false } = options ?? {};
    if (typeof adoptOrphans !== 'boolean') throw typeError('options.adoptOrphans', 'a boolean', adoptOrphans);
    if (typeof adoptInherited !== 'boolean') throw typeError('options.adoptInherited', 'a boolean', adoptInherited);
    if (this.#closed) throw new MonitorClosedError('Cannot become subreaper: the reaper is closed');
    const orphans = this.#parts.orphans;
    if (orphans === null) throw new NativeUnavailableError('Becoming a child subreaper');
    const became = orphans.becomeSubreaper(adoptOrphans);
    if (became && adoptInherited) this.#parts.ownership.adoptInherited();
    if (became && adoptInherited && adoptOrphans) orphans.sweep(); // an inherited zombie may be waiting already
    return became;
  }

  stats(): ReaperStats {
    const { watches, exits, orphans } = this.#parts;
    return { watched: watches.size, ...exits.counts, sweeps: orphans?.sweeps ?? 0, lastSweepAt: orphans?.lastSweepAt ?? null };
  }

  /**
   * Releases every handle: pidfds (which leave the addon's epoll set), the
   * SIGCHLD listener, timers; gives up the subreaper role it took. Orphans that have
   * already exited are reaped by one last sweep. Pending watches are dropped
   * unpublished, except those of node:child_process children: their exit is
   * still published (as 'observed', from the child's 'exit' event) while the
   * monitor is open, so `spawn()`'s `exited` settles. Closes the monitor only
   * for `Reaper.shared()`. Idempotent. Every step runs even when one throws
   * (a monitor lifecycle listener, say).
   * @throws TeardownError afterwards, with every failure in `errors` and the
   * first as `cause`.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const { hold, orphans, watches, poller, ownership, publish } = this.#parts;
    runTeardown('The reaper', [
      () => this.monitor.lifecycle.off('close', this.#onMonitorClose),
      () => hold.unref(),
      () => orphans?.close(),
      () => watches.close((watched, status) => publish(watched, status, 'observed', false)),
      () => poller.close(),
      () => ownership.clear(),
      () => unregisterReaper(this),
      () => {
        if (this.#ownsMonitor) this.monitor.close();
      },
    ]);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

shareInstanceof(Reaper, 'Reaper');
