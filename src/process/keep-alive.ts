// A natively spawned process has no libuv handle of its own (the reaper's
// pidfd watches are unref'd), so, like a ChildProcess, each running one holds
// the event loop open: one shared interval for all of them, ref'd while any
// holder is. Its tick also runs each holder's fallback check, which covers a
// reaper closed under a running child (nothing else would ever collect its
// exit then); an unref'd holder (ManagedProcess.unref(), like
// ChildProcess.unref()) is still checked, it just keeps nobody alive.
const TICK_MS = 1000;

type Check = () => void;

/** One holder's grip on the loop. */
export interface LoopHold {
  /** Lets go for good (the process was collected). Idempotent. */
  release(): void;
  /** Whether this holder keeps the loop open (true at first). No-op after release(). */
  setRefed(refed: boolean): void;
}

// Each holder is its own entry (two may pass the same function); the value says whether it is ref'd.
const holders = new Map<Check, boolean>();
let refedCount = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  for (const check of [...holders.keys()]) {
    try {
      check();
    } catch {
      // A fallback that fails is retried on the next tick.
    }
  }
}

// Starts, stops or re-refs the shared timer after a change.
function update(): void {
  if (holders.size === 0) {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    return;
  }
  timer ??= setInterval(tick, TICK_MS);
  if (refedCount > 0) timer.ref();
  else timer.unref();
}

/** Holds the event loop open, running `check` every second, until released. */
export function holdLoop(check: Check = () => undefined): LoopHold {
  const entry: Check = () => check();
  holders.set(entry, true);
  refedCount++;
  update();
  return {
    release() {
      const refed = holders.get(entry);
      if (refed === undefined) return;
      holders.delete(entry);
      if (refed) refedCount--;
      update();
    },
    setRefed(refed) {
      const was = holders.get(entry);
      if (was === undefined || was === refed) return;
      holders.set(entry, refed);
      refedCount += refed ? 1 : -1;
      update();
    },
  };
}
