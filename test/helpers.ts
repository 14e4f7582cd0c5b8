// Small helpers shared by tests.
import { setImmediate as immediate, setTimeout as timeout } from 'node:timers/promises';

/**
 * Lets the dispatcher run a few slices: `turns` check phases (where new
 * work's slice runs), then one timers phase, where a slice that ran out of its
 * 4 ms budget continues (a cold first delivery on a loaded machine can take
 * all of it: five immediates alone ran in well under the timer's 1 ms, and the
 * continuation came after the assertions), then `turns` check phases more.
 */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await immediate();
  await timeout(0);
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
