// Runs a function in a microtask: a promise reaction job rather than
// queueMicrotask(), which in Node wraps every callback in a new AsyncResource
// (an async id and init hooks), about 5 µs on the cold path from an exit to
// its subscribers (bench/exit-latency). Both go through V8's one microtask
// queue in FIFO order. The function must not throw: what it throws becomes an
// unhandled rejection.
const settled = Promise.resolve();

/** Queues fn as a microtask (FIFO with every other microtask). */
export function runMicrotask(fn: () => void): void {
  void settled.then(fn);
}
