// A process exactly as a stop saw it: pid plus start time, and with the native
// addon a pidfd opened while that identity was verified. Every later signal
// and liveness check goes through it, so a pid recycled after the look is
// never signalled (the PID-reuse race that Go 1.23 and Rust std closed with
// pidfds). See docs/stopping.md, "PID reuse".
import { constants } from 'node:os';
import { loadNative } from '../native/load.js';
import { syscallError } from '../sources/native-errors.js';
import { hasExited, isRunning, readProcStat, type ProcStat } from './proc-stat.js';
import { isProtectedPid, signalProcess, type SignalGuard, type SignalOutcome } from './signal-safety.js';

const { ESRCH, EPERM } = constants.errno;

/** Whether stops hold pidfds (true) or re-check pid + start time before kill(2) (false). */
export function usesPidfds(): boolean {
  return loadNative() !== null;
}

export class SeenProcess {
  readonly pid: number;
  readonly startTime: number;
  #fd: number; // -1: no pidfd (fallback, or closed)
  #gone = false;

  private constructor(pid: number, startTime: number, fd: number) {
    this.pid = pid;
    this.startTime = startTime;
    this.#fd = fd;
  }

  /**
   * Pins the process that `stat` describes. With the addon, opens a pidfd and
   * then re-reads the start time: if it still matches, the pidfd refers to
   * the process that was listed (a pidfd never follows a recycled pid).
   * Returns null when that process is already gone.
   */
  static pin(stat: ProcStat): SeenProcess | null {
    const native = loadNative();
    if (native === null) return new SeenProcess(stat.pid, stat.startTime, -1);
    const fd = native.pidfdOpen(stat.pid);
    if (fd === -ESRCH) return null; // gone (reaped) since the listing
    // Out of descriptors (EMFILE/ENFILE) or similar: still pin it, by
    // identity check instead, rather than leave a member unsignalled.
    if (fd < 0) return new SeenProcess(stat.pid, stat.startTime, -1);
    const now = readProcStat(stat.pid);
    if (now === null || now.startTime !== stat.startTime) {
      native.close(fd);
      return null;
    }
    return new SeenProcess(stat.pid, stat.startTime, fd);
  }

  /** The stop's own record of a pid it knows only by number (no /proc to ask). */
  static unverified(pid: number): SeenProcess {
    return new SeenProcess(pid, Number.NaN, -1);
  }

  /**
   * Whether this very process has exited. With a pidfd the kernel answers
   * (readable once the whole thread group exited, so a leader that only
   * called pthread_exit() still counts as running); otherwise the start time
   * is re-checked and isRunning() decides.
   */
  exited(): boolean {
    if (this.#gone) return true;
    const native = loadNative();
    if (this.#fd >= 0 && native !== null) {
      if (native.pidfdReady(this.#fd) === 1) this.#markGone();
    } else if (!this.#stillRunning()) {
      this.#markGone();
    }
    return this.#gone;
  }

  /**
   * Sends `signal` to this process only: pidfd_send_signal(2) on its pidfd,
   * or kill(2) right after re-checking pid + start time in /proc. ESRCH and
   * a changed identity are `'gone'`.
   */
  signal(signal: number, guard: SignalGuard): SignalOutcome {
    if (isProtectedPid(this.pid, guard)) return 'refused';
    if (this.#gone) return 'gone';
    const native = loadNative();
    if (this.#fd >= 0 && native !== null) {
      const rc = native.pidfdSendSignal(this.#fd, signal);
      if (rc === 0) return 'sent';
      if (rc === -ESRCH) return this.#markGone();
      if (rc === -EPERM) return 'denied';
      throw syscallError('pidfd_send_signal', rc, `pid ${this.pid}, signal ${signal}`);
    }
    // Fallback: the window between this read and kill(2) is microseconds, and
    // a pid is recycled only after the old process was reaped and the pid
    // space wrapped around; docs/stopping.md says what that does not cover.
    if (!Number.isNaN(this.startTime) && !this.#sameProcess()) return this.#markGone();
    const outcome = signalProcess(this.pid, signal, guard);
    return outcome === 'gone' ? this.#markGone() : outcome;
  }

  /** Releases the pidfd. Idempotent. */
  close(): void {
    if (this.#fd >= 0) loadNative()?.close(this.#fd);
    this.#fd = -1;
  }

  // One /proc read: the same process (when its start time is known) and not exited.
  #stillRunning(): boolean {
    if (Number.isNaN(this.startTime)) return isRunning(this.pid);
    const now = readProcStat(this.pid);
    return now !== null && now.startTime === this.startTime && !hasExited(now);
  }

  // Only called with a known start time.
  #sameProcess(): boolean {
    return readProcStat(this.pid)?.startTime === this.startTime;
  }

  #markGone(): 'gone' {
    this.#gone = true;
    this.close();
    return 'gone';
  }
}
