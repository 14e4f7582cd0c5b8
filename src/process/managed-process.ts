// ManagedProcess: one started process, whichever engine started it, with its
// exit promise, PID-reuse-safe kill(), a stop that reaches its whole group
// (or cgroup), and the timeout / abort / cleanup options wired to that stop.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ExitEvent } from '../core/exit-event.js';
import { signalNumber, signalNumberOf } from '../core/signals.js';
import type { ProcessCgroup } from './cgroup.js';
import { stopCgroup } from './cgroup-stop.js';
import { probeKill } from './proc-stat.js';
import { killAtExit } from './exit-cleanup.js';
import { currentGuard, signalGroup } from './signal-safety.js';
import type { ResolvedSpawnOptions } from './spawn-options.js';
import { checkStopOptions, stopGroupRemains, stopProcessTree, type StopOptions, type StopResult } from './stop.js';

// How long the exit cleanup waits for a cgroup to empty after cgroup.kill, in ms.
const EXIT_CGROUP_WAIT_MS = 100;

/** What an engine hands over for one started (or failed) process. */
export interface ProcessParts {
  /** NaN when it never started (then `exited` rejects). */
  readonly pid: number;
  readonly pgid: number | undefined;
  readonly child: ChildProcess | undefined;
  readonly stdio: readonly (Readable | Writable | null)[];
  readonly exited: Promise<ExitEvent>;
  readonly cgroup: ProcessCgroup | undefined;
  /** Sends a signal to the process only, PID-reuse safe; false when it is gone. */
  signal(signo: number): boolean;
  /** The exit was collected: the pid may belong to someone else by now. */
  collected(): boolean;
  /** Whether the running process keeps the event loop open (ChildProcess.ref/unref). */
  setRefed(refed: boolean): void;
}

/**
 * The parts of a process that never started: pid NaN, nothing to signal,
 * `exited` rejecting with why (node:child_process's error shape). `child` is
 * the ChildProcess when node made one, `streams` the ended ones handed out
 * where pipes were asked for.
 */
export function notStarted(exited: Promise<ExitEvent>, child: ChildProcess | undefined, stdio: (Readable | Writable | null)[]): ProcessParts {
  return { pid: Number.NaN, pgid: undefined, child, stdio, exited, cgroup: undefined, signal: () => false, collected: () => true, setRefed: () => undefined };
}

/** A started process with a guaranteed exit promise and a thorough stop. */
export interface ManagedProcess extends AsyncDisposable {
  /** The child's pid; `NaN` when it could not be started (then `exited` rejects). */
  readonly pid: number;
  /** The child's process group id when it leads its own group, else undefined. */
  readonly pgid: number | undefined;
  /** The node:child_process handle: set for the child_process engine only. */
  readonly child: ChildProcess | undefined;
  /** Our end of the child's stdin when it is a pipe, else null. */
  readonly stdin: Writable | null;
  /** Our end of the child's stdout when it is a pipe, else null. */
  readonly stdout: Readable | null;
  /** Our end of the child's stderr when it is a pipe, else null. */
  readonly stderr: Readable | null;
  /**
   * The exit, subscribed before the process could be observed to exit.
   * Rejects with the spawn error (code ENOENT, EACCES…, shaped like
   * node:child_process's) when it could not start, and with the monitor's
   * error when the monitor closes first.
   */
  readonly exited: Promise<ExitEvent>;
  /** The cgroup directory when cgroup containment is on. */
  readonly cgroup: string | undefined;
  /**
   * Sends `signal` (a name, or a number as `ChildProcess.kill` takes it) to
   * the process only (not its group), PID-reuse safe (a pidfd from birth).
   * Returns false when it is already gone. `0` sends nothing: it answers
   * whether the process still runs, as `ChildProcess.kill(0)` does.
   * @throws RangeError/TypeError for an unknown signal.
   */
  kill(signal?: NodeJS.Signals | number): boolean;
  /**
   * Lets this process end without waiting for the child, as
   * `ChildProcess.unref()` does: the running child no longer keeps the event
   * loop open (piped stdio still does, as with node). `exited` still settles
   * if the loop runs on. Mind `cleanup` (default true unless `detached`): at
   * this process's exit the child's group still gets `killSignal`.
   */
  unref(): this;
  /** Undoes `unref()`: the running child keeps the event loop open again (the default). */
  ref(): this;
  /**
   * Stops the child with its group and every descendant (including setsid
   * escapees): see `stopProcessTree`; in a cgroup, everything in the cgroup,
   * ending with `cgroup.kill`. After the child exited it stops what is left of
   * its group, with the members' descendants (setsid ones included); resolves
   * `alreadyExited: true` when nothing is.
   */
  stop(options?: StopOptions): Promise<StopResult>;
  /** `stop()` with spawn()'s `graceMs` and `killSignal`, then waits for `exited` (if the stop left no survivors). */
  [Symbol.asyncDispose](): Promise<void>;
}

// The result of stopping a process that never started or is known gone.
function nothingToStop(): StopResult {
  return { forced: false, alreadyExited: true, survivors: [], durationMs: 0 };
}

// The ManagedProcess behind spawn().
export class ManagedChild implements ManagedProcess {
  readonly pid: number;
  readonly pgid: number | undefined;
  readonly child: ChildProcess | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exited: Promise<ExitEvent>;
  readonly #parts: ProcessParts;
  readonly #options: ResolvedSpawnOptions;
  /** The group emptied after the child's exit was collected: its id is free for anyone now. */
  #groupGone = false;

  constructor(parts: ProcessParts, options: ResolvedSpawnOptions) {
    this.#parts = parts;
    this.#options = options;
    this.pid = parts.pid;
    this.pgid = parts.pgid;
    this.child = parts.child;
    this.stdin = (parts.stdio[0] as Writable | null | undefined) ?? null;
    this.stdout = (parts.stdio[1] as Readable | null | undefined) ?? null;
    this.stderr = (parts.stdio[2] as Readable | null | undefined) ?? null;
    this.exited = parts.exited;
    // Nobody has to await `exited`: this handler marks it handled, so an
    // unawaited failure is no unhandled rejection. Awaiters still see it.
    this.exited.catch(() => undefined);
    if (!Number.isNaN(parts.pid)) this.#arm();
  }

  get cgroup(): string | undefined {
    return this.#parts.cgroup?.path;
  }

  unref(): this {
    this.#parts.setRefed(false);
    return this;
  }

  ref(): this {
    this.#parts.setRefed(true);
    return this;
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    // Signal 0 is kill(2)'s existence check: the engines ask the same way (an exited zombie is gone).
    const signo = signal === 0 ? 0 : signalNumberOf(signal, 'signal');
    if (Number.isNaN(this.pid)) return false;
    return this.#parts.signal(signo);
  }

  stop(options?: StopOptions): Promise<StopResult> {
    try {
      checkStopOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (Number.isNaN(this.pid)) return Promise.resolve(nothingToStop()); // never started
    const cgroup = this.#parts.cgroup;
    if (cgroup !== undefined) {
      return stopCgroup(cgroup, this.#parts.collected() ? undefined : this.pgid, options).finally(() => {
        if (this.#parts.collected()) cgroup.removeWhenEmpty();
      });
    }
    // Once the exit was collected the pid may be reused by a stranger: signal
    // the pid (stopProcessTree) only while the child is known uncollected;
    // after that only what is left of its group (with the members'
    // descendants, as the tree had them), while that group is still ours.
    if (this.#parts.collected()) {
      return this.#groupStillOurs() ? stopGroupRemains(this.pgid!, options) : Promise.resolve(nothingToStop());
    }
    return stopProcessTree(this.pid, options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // The grace and kill signal given to spawn() govern every stop that exitmon starts itself.
    const result = await this.stop({ graceMs: this.#options.graceMs, killSignal: this.#options.killSignal });
    if (result.survivors.length === 0) await this.exited.catch(() => undefined);
  }

  // timeout, abort signal and exit cleanup: each ends in the same stop.
  #arm(): void {
    const o = this.#options;
    const stopWithOptions = (): void => {
      this.stop({ graceMs: o.graceMs, killSignal: o.killSignal }).catch(() => undefined);
    };
    const disarm: (() => void)[] = [];
    // 0 is no timeout, as in node:child_process and execa.
    if (o.timeout !== undefined && o.timeout > 0) {
      const timer = setTimeout(stopWithOptions, o.timeout);
      timer.unref(); // the running process holds the loop, not its timeout
      disarm.push(() => clearTimeout(timer));
    }
    if (o.abort !== undefined) {
      if (o.abort.aborted) stopWithOptions();
      else {
        o.abort.addEventListener('abort', stopWithOptions, { once: true });
        disarm.push(() => o.abort!.removeEventListener('abort', stopWithOptions));
      }
    }
    let unregister: (() => void) | undefined;
    if (o.cleanup) unregister = killAtExit(() => this.#killAtExit());
    const done = (): void => {
      for (const d of disarm) d();
      // The group may outlive its leader (`sh -c 'x &'`): keep it on the
      // list while it has members; a cgroup until it is removed. Checked in
      // the loop turn's check phase, after the caller's own reactions to
      // `exited` (a next spawn among them keeps the signal listeners in
      // place): removing them in the exit's path cost about 40 µs of its
      // latency. The last one off the list gives SIGINT/SIGTERM/SIGHUP back
      // their default action from then on.
      if (unregister !== undefined) setImmediate(() => !this.#groupMayLive() && unregister!());
    };
    this.exited.then(done, done);
  }

  #groupMayLive(): boolean {
    const cgroup = this.#parts.cgroup;
    if (cgroup !== undefined) return !cgroup.removed && cgroup.populated();
    return this.#groupStillOurs();
  }

  // Whether the child's group may still be signalled as ours. While the
  // child is uncollected its pid (the group's id) is pinned. After that the
  // id stays ours only while the group never emptied: once empty, the number
  // is free, and a stranger given it may lead a new group with it. So an
  // empty group is gone for good (remembered), and a live process with the
  // group's id can only be such a stranger (our leader was collected).
  // Residual: a stranger's group whose own leader has died too looks like
  // ours; that takes our group emptying, the pid being recycled and the
  // stranger leading a group and dying, all between two looks.
  #groupStillOurs(): boolean {
    const pgid = this.pgid;
    if (pgid === undefined || this.#groupGone) return false;
    if (!this.#parts.collected()) return true;
    // Signal 0 only asks; the pgid is our child's pid, never our own group.
    if (!probeKill(-pgid) || probeKill(pgid)) this.#groupGone = true;
    return !this.#groupGone;
  }

  // Synchronous: runs inside process 'exit'.
  #killAtExit(): void {
    const signo = signalNumber(this.#options.killSignal, 'killSignal');
    const cgroup = this.#parts.cgroup;
    if (cgroup !== undefined) {
      cgroup.killAndRemoveSync(EXIT_CGROUP_WAIT_MS);
      return;
    }
    if (this.pgid === undefined) this.#parts.signal(signo);
    else if (this.#groupStillOurs()) signalGroup(this.pgid, signo, currentGuard());
  }
}
