// A natively spawned process has no libuv handle of its own (the reaper's
// pidfd watches are unref'd), so, like a ChildProcess, each running one holds
// the event loop open: one shared ref'd interval for all of them. Its tick
// also runs each holder's fallback check, which covers a reaper closed under
// a running child (nothing else would ever collect its exit then).
const TICK_MS = 1000;

type Check = () => void;

const holders = new Set<Check>();
let timer: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  for (const check of [...holders]) {
    try {
      check();
    } catch {
      // A fallback that fails is retried on the next tick.
    }
  }
}

/** Holds the event loop open, running `check` every second, until the returned release is called. */
export function holdLoop(check: Check = () => undefined): () => void {
  // Each holder is its own entry, even when two pass the same function.
  const entry: Check = () => check();
  holders.add(entry);
  timer ??= setInterval(tick, TICK_MS);
  return () => {
    if (!holders.delete(entry)) return;
    if (holders.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
