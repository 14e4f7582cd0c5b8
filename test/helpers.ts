// Small helpers shared by tests.
import { setImmediate as immediate, setTimeout as timeout } from 'node:timers/promises';

/**
 * Lets the dispatcher run a few slices: each turn passes a loop iteration's
 * timers phase, where a slice that ran out of time continues (a cold first
 * delivery on a loaded machine can take the whole 4 ms budget), and its check
 * phase, where new work's slice runs. Immediates alone ran 5 turns in well
 * under the timer's 1 ms, so such a continuation came after the assertions.
 */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) {
    await timeout(0);
    await immediate();
  }
}

/** Polls `predicate` until it holds or `timeoutMs` passes (a liveness bound, not a speed check). */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
