// The load every run applies: synthetic publishes spread evenly over the run
// (open-loop: each millisecond publishes what is due), and a heap watermark.
import { setTimeout as sleep } from 'node:timers/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/** How often the heap watermark is read, in ms. */
const HEAP_SAMPLE_MS = 20;

// Publishes `total` events over runMs by schedule; publishOne may return a
// promise (the bounded baseline's blocking send), which is awaited. With
// `complete`, whatever is still due after runMs is published too; without, the
// run stops at runMs (a blocked publisher publishes less). Returns the count.
export async function publishSynthetic(
  total: number,
  runMs: number,
  complete: boolean,
  publishOne: (i: number) => void | Promise<void>,
): Promise<number> {
  const t0 = performance.now();
  let i = 0;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (elapsed >= runMs) break;
    const due = Math.min(total, Math.floor((elapsed / runMs) * total));
    while (i < due && performance.now() - t0 < runMs) {
      const pending = publishOne(i++);
      if (pending !== undefined) await pending;
    }
    await sleep(1);
  }
  if (complete) while (i < total) void publishOne(i++);
  return i;
}

/** Tracks the highest V8 heap use seen, and GC pauses. */
export class HeapWatermark {
  peak = v8.getHeapStatistics().used_heap_size;
  gcPauseMs = 0;
  gcMaxPauseMs = 0;
  readonly #timer = setInterval(() => this.sample(), HEAP_SAMPLE_MS);
  readonly #gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.gcPauseMs += entry.duration;
      this.gcMaxPauseMs = Math.max(this.gcMaxPauseMs, entry.duration);
    }
  });

  constructor() {
    this.#gc.observe({ entryTypes: ['gc'] });
  }

  // Reads the heap use once.
  sample(): void {
    this.peak = Math.max(this.peak, v8.getHeapStatistics().used_heap_size);
  }

  stop(): number {
    clearInterval(this.#timer);
    this.#gc.disconnect();
    this.sample();
    return this.peak;
  }
}
