// Small helpers shared by tests.
import { setImmediate as immediate } from 'node:timers/promises';

/** Lets the dispatcher run a few slices. */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await immediate();
}

/** Polls `predicate` until it holds or `timeoutMs` passes (a liveness bound, not a speed check). */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
