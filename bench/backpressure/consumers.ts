// The subscribers of one run, shared by exitmon and the bounded baseline:
// ten fast ones (record publish→delivery latency), an async consumer that
// awaits ASYNC_SLOW_MS per event, a synchronous one that burns SYNC_SLOW_MS per
// event, and one that never reads. Each checks its sequence numbers.
import type { RecordableHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { nanosecondHistogram, recordMs } from '../lib/latency.js';
import { SeqChecker } from './seq-check.js';
import { ASYNC_SLOW_MS, FAST_SUBSCRIBERS, SYNC_SLOW_MS } from './sizes.js';

/** What a consumer reads of an event (ExitEvent and the baseline's events). */
export interface Sequenced {
  readonly seq: number;
}

/** A consumer callback: returns a promise when it is asynchronous. */
export type Listener = (event: Sequenced) => void | Promise<void>;

/** Which slow subscribers a run has next to the fast ones. */
export interface SlowKinds {
  async: boolean;
  sync: boolean;
  never: boolean;
}

/** One subscriber: its callback (none for the never-reading one) and its checker. */
export interface Consumer {
  name: string;
  checker: SeqChecker;
  listener?: Listener;
}

/** Publish time (performance.now()) per seq, written by the run's publish path. */
export class PublishTimes {
  times: Float64Array;
  constructor(capacity: number) {
    this.times = new Float64Array(capacity + 1);
  }
  // Remembers when seq was published.
  set(seq: number, ms: number): void {
    if (seq >= this.times.length) {
      const next = new Float64Array(Math.max(seq + 1, this.times.length * 2));
      next.set(this.times);
      this.times = next;
    }
    this.times[seq] = ms;
  }
}

// Busy-waits ms on this thread, like a consumer doing synchronous work.
function burn(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** The subscribers of one run. */
export class ConsumerSet {
  readonly fast: Consumer[] = [];
  readonly slow: Consumer[] = [];
  readonly never: Consumer | undefined;
  /** publish→delivery latency of the fast subscribers, all ten in one histogram. */
  readonly fastLatency: RecordableHistogram = nanosecondHistogram();
  /** Deliveries to fast subscribers still owed when recording stopped (counted at their age then). */
  censored = 0;
  /** Once true, the slow consumers stop being slow (used to drain and verify after the run). */
  relaxed = false;
  #recording = true;

  constructor(kinds: SlowKinds, capacity: number, readonly published: PublishTimes) {
    for (let i = 0; i < FAST_SUBSCRIBERS; i++) {
      const checker = new SeqChecker(capacity);
      this.fast.push({ name: `fast ${i + 1}`, checker, listener: this.#fastListener(checker) });
    }
    if (kinds.async) {
      const checker = new SeqChecker(capacity);
      this.slow.push({ name: `async ${ASYNC_SLOW_MS} ms`, checker, listener: (e) => this.#asyncSlow(checker, e) });
    }
    if (kinds.sync) {
      const checker = new SeqChecker(capacity);
      this.slow.push({ name: `sync ${SYNC_SLOW_MS} ms`, checker, listener: (e) => this.#syncSlow(checker, e) });
    }
    this.never = kinds.never ? { name: 'never reads', checker: new SeqChecker(capacity) } : undefined;
  }

  /** Every subscriber, the never-reading one last. */
  get all(): Consumer[] {
    return [...this.fast, ...this.slow, ...(this.never === undefined ? [] : [this.never])];
  }

  // Stops latency recording at `nowMs`: every event up to `lastSeq` that a fast
  // subscriber has not received yet is recorded at its age now (a lower bound),
  // so a starved subscriber cannot look fast by not receiving anything.
  stopRecording(lastSeq: number, nowMs: number): void {
    this.#recording = false;
    const times = this.published.times;
    for (const { checker } of this.fast) {
      for (let seq = checker.highest + 1; seq <= lastSeq; seq++) {
        recordMs(this.fastLatency, nowMs - (times[seq] as number));
        this.censored++;
      }
    }
  }

  // A fast subscriber: checks the seq and records its latency.
  #fastListener(checker: SeqChecker): Listener {
    const times = this.published;
    return (event) => {
      checker.see(event.seq);
      if (this.#recording) recordMs(this.fastLatency, performance.now() - (times.times[event.seq] as number));
    };
  }

  // The async slow consumer: awaits ASYNC_SLOW_MS per event.
  #asyncSlow(checker: SeqChecker, event: Sequenced): Promise<void> | undefined {
    checker.see(event.seq);
    return this.relaxed ? undefined : sleep(ASYNC_SLOW_MS);
  }

  // The synchronous slow consumer: burns SYNC_SLOW_MS per event.
  #syncSlow(checker: SeqChecker, event: Sequenced): void {
    checker.see(event.seq);
    if (!this.relaxed) burn(SYNC_SLOW_MS);
  }
}
