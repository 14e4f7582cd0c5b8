// A natively spawned process has no libuv handle of its own (the reaper's
// pidfd watches are unref'd), so, like a ChildProcess, each running one holds
// the event loop open through one shared ref'd timer that never fires in practice.
const NEVER_MS = 2 ** 31 - 1;

let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Holds the event loop open until the returned release is called (once). */
export function holdLoop(): () => void {
  holders++;
  timer ??= setInterval(() => undefined, NEVER_MS);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
