// One cgroup v2 per contained process: created before the spawn, the child
// placed in it at clone time (CLONE_INTO_CGROUP), everything in it killed at
// once by `cgroup.kill` (Linux 5.14), emptiness learnt from `cgroup.events`
// (`populated 0`), what it used read from cpu.stat / memory.peak /
// memory.events, and the directory removed once nothing is left in it.
import { closeSync, constants, mkdirSync, openSync, readFileSync, rmdirSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { ExitResources } from '../core/exit-event.js';

// Polling complements inotify on cgroup.events: an event can be missed
// between reading the file and arming the watch, and some kernels/containers
// deliver none. Starts fast (a cgroup.kill empties a cgroup within ms).
const EMPTY_POLL_FIRST_MS = 1;
const EMPTY_POLL_MAX_MS = 20;
// Names taken by someone else (a directory left by a process with our pid
// that was killed, or a live one of a process with our pid in another pid
// namespace sharing the hierarchy) are skipped, never reused or removed.
const NAME_ATTEMPTS = 8;
// rmdir answers EBUSY for a moment after `populated 0` (tasks still exiting).
const REMOVE_RETRY_MS = 5;
const REMOVE_ATTEMPTS = 40;

let sequence = 0;

/** A cgroup exitmon created for one process. */
export class ProcessCgroup {
  /** The cgroup's directory. */
  readonly path: string;
  /** The directory it was created in (as given). */
  readonly base: string;
  #fd: number;
  #removed = false;
  #watcher: FSWatcher | undefined;

  // Creates `<base>/exitmon-<our pid>-<n>` (the next free n) and opens it O_DIRECTORY for clone3.
  constructor(base: string) {
    this.base = base;
    this.path = createUnique(base);
    try {
      this.#fd = openSync(this.path, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (error) {
      rmdirSync(this.path);
      throw error;
    }
  }

  /** The O_DIRECTORY fd clone3's CLONE_INTO_CGROUP takes; -1 once released. */
  get fd(): number {
    return this.#fd;
  }

  /** Closes the directory fd (after the spawn it is not needed any more). */
  releaseFd(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  /** Whether any process is left in the cgroup (`populated` of cgroup.events). */
  populated(): boolean {
    const events = this.#read('cgroup.events');
    return events === undefined ? false : /^populated 1$/m.test(events);
  }

  /** The pids in the cgroup now. */
  pids(): number[] {
    return (this.#read('cgroup.procs') ?? '').split('\n').filter(Boolean).map(Number);
  }

  /**
   * Kills every process in the cgroup with SIGKILL (`cgroup.kill`, Linux 5.14).
   * Returns false when the kernel has no cgroup.kill (the caller then signals
   * the pids of cgroup.procs).
   */
  kill(): boolean {
    try {
      writeFileSync(join(this.path, 'cgroup.kill'), '1');
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves true once the cgroup is empty, false at the deadline (performance.now()); rejects with the reason once `abort` fires while it is populated. */
  async waitEmpty(deadline: number, abort?: AbortSignal): Promise<boolean> {
    let interval = EMPTY_POLL_FIRST_MS;
    let wake: (() => void) | undefined;
    const onAbort = (): void => wake?.();
    abort?.addEventListener('abort', onAbort, { once: true });
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(join(this.path, 'cgroup.events'), () => wake?.());
      watcher.unref();
    } catch {
      // No inotify here: polling alone.
    }
    try {
      while (this.populated()) {
        abort?.throwIfAborted();
        const left = deadline - performance.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(interval, left));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        interval = Math.min(interval * 2, EMPTY_POLL_MAX_MS);
      }
      return true;
    } finally {
      watcher?.close();
      abort?.removeEventListener('abort', onAbort);
    }
  }

  /** What the cgroup used so far; cpu.stat exists on every cgroup2, memory.* only with the memory controller. */
  resources(): ExitResources | undefined {
    const cpu = this.#read('cpu.stat');
    if (cpu === undefined) return undefined;
    const field = (text: string, name: string): number | undefined => {
      const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
      return match ? Number(match[1]) : undefined;
    };
    const result: { -readonly [K in keyof ExitResources]: ExitResources[K] } = {
      cpuUserUs: field(cpu, 'user_usec') ?? 0,
      cpuSystemUs: field(cpu, 'system_usec') ?? 0,
    };
    const peak = this.#read('memory.peak');
    if (peak !== undefined && /^\d+\s*$/.test(peak)) result.memoryPeakBytes = Number(peak);
    const memoryEvents = this.#read('memory.events');
    if (memoryEvents !== undefined) result.oomKilled = (field(memoryEvents, 'oom_kill') ?? 0) > 0;
    return result;
  }

  /**
   * Removes the directory once the cgroup is empty: at once when it is,
   * otherwise when cgroup.events says so (an unref'd watch: it never holds
   * the process open). Idempotent.
   */
  removeWhenEmpty(): void {
    if (this.#removed || this.#watcher !== undefined) return;
    if (!this.populated()) {
      void this.#remove();
      return;
    }
    try {
      this.#watcher = watch(join(this.path, 'cgroup.events'), () => {
        if (this.populated()) return;
        this.#watcher?.close();
        this.#watcher = undefined;
        void this.#remove();
      });
      this.#watcher.unref();
    } catch {
      // No inotify: the next stop() or the exit cleanup removes it.
    }
  }

  /** Synchronous last resort at process exit: kill, wait briefly, remove. */
  killAndRemoveSync(waitMs: number): void {
    this.releaseFd();
    if (this.#removed) return;
    this.kill();
    const until = performance.now() + waitMs;
    while (this.populated() && performance.now() < until) {
      // Busy wait: nothing asynchronous runs any more at exit.
    }
    this.#removeSync();
  }

  async #remove(): Promise<void> {
    for (let i = 0; i < REMOVE_ATTEMPTS && !this.#removed; i++) {
      if (this.#removeSync()) return;
      await new Promise((r) => setTimeout(r, REMOVE_RETRY_MS).unref());
    }
  }

  #removeSync(): boolean {
    if (this.#removed) return true;
    try {
      rmdirSync(this.path);
      this.#removed = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.#removed = true;
    }
    if (this.#removed) {
      this.#watcher?.close();
      this.#watcher = undefined;
    }
    return this.#removed;
  }

  /** True once the directory is gone. */
  get removed(): boolean {
    return this.#removed;
  }

  #read(name: string): string | undefined {
    try {
      return readFileSync(join(this.path, name), 'utf8');
    } catch {
      return undefined;
    }
  }
}

// mkdir of the next `exitmon-<pid>-<n>` that nobody has: EEXIST moves on to
// the next n (a few times), any other error is the caller's.
function createUnique(base: string): string {
  for (let attempt = 1; ; attempt++) {
    const path = join(base, `exitmon-${process.pid}-${++sequence}`);
    try {
      mkdirSync(path);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= NAME_ATTEMPTS) throw error;
    }
  }
}
