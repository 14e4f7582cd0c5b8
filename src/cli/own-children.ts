// The zombie children of this exitmon process, through the public
// reaper.zombies() (one waitid with WNOWAIT when there is none, a read-only
// /proc scan otherwise: looking never reaps anything): what "zombies left"
// counts. Orphans to stop come from reaper.adopted(), which knows which
// children are ours.
import type { Reaper } from '../index.js';

/** How long the CLI waits for the reaper to collect the last zombies, in ms. */
export const SETTLE_TIMEOUT_MS = 3000;
const SETTLE_POLL_MS = 10;

// Waits (bounded) until no zombie child is left for the reaper to collect;
// resolves with how many are left.
export async function waitForNoZombies(reaper: Reaper, timeoutMs = SETTLE_TIMEOUT_MS): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let zombies = reaper.zombies().length;
  while (zombies > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    zombies = reaper.zombies().length;
  }
  return zombies;
}
