// `reaper.ref()`: hold the event loop open while any watched or adopted
// process is alive, and let go when none is. Everything else of the reaper
// is unref'd (the addon's poll handle or thread-safe function, the SIGCHLD
// listener, the sweep timer), so without this a PID-1 script that awaits its
// orphans with `for await` ends at once with exit code 13 (an unsettled
// top-level await) and the namespace, orphans included, is torn down.
//
// The hold is one ref'd timer, armed only while something is alive, so it
// works alike on every runtime (Node and Deno with the uv_poll, Bun with the
// watcher thread, and the poll backend). It is re-evaluated whenever the set
// of our children may have changed: every collected exit, every orphan
// sweep (each SIGCHLD), every watch, and on the timer itself.
//
// Re-evaluating must stay cheap on that hot path: a live watch decides at
// once; "no child at all" is one non-reaping waitid(P_ALL, WNOWAIT) answering
// ECHILD; the adopted orphans found by the last look are re-checked by pid
// and start time; only when all of those are gone while children remain is
// /proc scanned, and scans are spaced like the orphan sweep's (at least
// MIN_SCAN_GAP_MS and ten times their own duration), holding meanwhile.
import { clearTimeout, setTimeout } from 'node:timers';
import { readProcStat, type ProcStat } from '../proc/stat.js';
import { hasExited } from '../proc/liveness.js';

/** How often a holding reaper looks again by itself (exits and sweeps make it look sooner), in ms. */
export const HOLD_RECHECK_MS = 1000;
// The least time between two /proc scans of the hold, in ms, and their cost bound.
const MIN_SCAN_GAP_MS = 50;
const SCAN_COST_FACTOR = 10;

/** What the hold asks its reaper. */
export interface LoopHoldHost {
  /** Watches not yet collected. */
  watchedCount(): number;
  /** Whether anything can be re-parented to us (subreaper or PID 1). */
  mayAdopt(): boolean;
  /** Whether this process has no child at all (waitid answers ECHILD); false without the addon. */
  hasNoChildren(): boolean;
  /** The adopted orphans now (Ownership's rule, one /proc listing). */
  adopted(): ProcStat[];
}

/** The ref()/unref() state of one reaper. */
export class LoopHold {
  readonly #host: LoopHoldHost;
  #refed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Adopted orphans alive at the last scan: pid -> start time.
  #known = new Map<number, number>();
  #lastScanAt = Number.NEGATIVE_INFINITY;
  #lastScanMs = 0;

  constructor(host: LoopHoldHost) {
    this.#host = host;
  }

  get refed(): boolean {
    return this.#refed;
  }

  /** Whether the loop is being held right now. */
  get holding(): boolean {
    return this.#timer !== undefined;
  }

  ref(): void {
    this.#refed = true;
    this.update();
  }

  unref(): void {
    this.#refed = false;
    this.#release();
  }

  /** Looks again: holds while something is alive, lets go otherwise. Never throws. */
  update(): void {
    if (!this.#refed) return;
    let recheckIn = HOLD_RECHECK_MS;
    let alive: boolean;
    try {
      const answer = this.#anyAlive();
      alive = answer !== false;
      if (typeof answer === 'number') recheckIn = answer;
    } catch {
      alive = true; // could not tell: keep holding and look again later
    }
    if (!alive) return this.#release();
    // Holding already, with its next look due within the usual period: keep
    // that timer (a burst of exits re-arms nothing).
    if (this.#timer !== undefined && recheckIn === HOLD_RECHECK_MS) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    // A ref'd timer is what holds the loop; when it fires, it looks again.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.update();
    }, recheckIn);
  }

  // true or false; or a number: probably alive (a scan is not due yet), look again in that many ms.
  #anyAlive(): boolean | number {
    const host = this.#host;
    if (host.watchedCount() > 0) return true;
    if (!host.mayAdopt()) return this.#forget();
    if (host.hasNoChildren()) return this.#forget(); // no child at all
    for (const [pid, startTime] of this.#known) {
      const stat = readProcStat(pid);
      if (stat !== null && stat.startTime === startTime && !hasExited(stat)) return true;
      this.#known.delete(pid);
    }
    const now = performance.now();
    const wait = Math.max(MIN_SCAN_GAP_MS, SCAN_COST_FACTOR * this.#lastScanMs) - (now - this.#lastScanAt);
    if (wait > 0) return Math.ceil(wait);
    const adopted = host.adopted();
    this.#lastScanAt = performance.now();
    this.#lastScanMs = this.#lastScanAt - now;
    this.#known = new Map(adopted.map((p) => [p.pid, p.startTime]));
    return this.#known.size > 0;
  }

  #forget(): false {
    this.#known.clear();
    return false;
  }

  #release(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
