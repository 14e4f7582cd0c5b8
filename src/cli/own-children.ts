// The zombie children of this exitmon process, through the public
// listProcesses() (a read-only scan of /proc/*/stat: looking never reaps
// anything): what "zombies left" counts. Orphans to stop come from
// reaper.adopted(), which knows which children are ours.
import { listProcesses, type ProcStat } from '../index.js';

/** How long the CLI waits for the reaper to collect the last zombies, in ms. */
export const SETTLE_TIMEOUT_MS = 3000;
const SETTLE_POLL_MS = 10;

// Every current child of this process (zombies included).
function ownChildren(): ProcStat[] {
  const self = process.pid;
  return listProcesses().filter((p) => p.ppid === self);
}

// Children that exited and wait to be reaped: what "zombies left" counts.
export function zombieChildren(): ProcStat[] {
  return ownChildren().filter((c) => c.state === 'zombie');
}

// Waits (bounded) until no zombie child is left for the reaper to collect;
// resolves with how many are left.
export async function waitForNoZombies(timeoutMs = SETTLE_TIMEOUT_MS): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let zombies = zombieChildren().length;
  while (zombies > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    zombies = zombieChildren().length;
  }
  return zombies;
}
