// Timeout and AbortSignal plumbing shared by every wait: waitPid, waitExec and
// a subscription's next(). A wait with a `timeout` keeps the process alive
// until it settles or times out, like setTimeout: the caller asked to be told
// either way, and an unref'd timer would let a script end with the wait
// still pending. A wait without a timeout holds no handle at all.
import { WaitTimeoutError } from './errors.js';
import { assertAbortSignal, assertDuration, assertOptions, typeError } from './validate.js';

/** Options of every wait. */
export interface WaitOptions {
  /** Rejects the wait with the signal's reason when it aborts. */
  signal?: AbortSignal;
  /**
   * Rejects the wait with a `WaitTimeoutError` after this many milliseconds.
   * Until then the timer keeps the process alive, like `setTimeout`.
   */
  timeout?: number;
}

// Validates WaitOptions; throws TypeError/RangeError.
export function checkWaitOptions(options: unknown): WaitOptions {
  assertOptions(options);
  const o = (options ?? {}) as WaitOptions;
  if (o.timeout !== undefined) assertDuration(o.timeout, 'options.timeout');
  if (o.signal !== undefined) assertAbortSignal(o.signal, 'options.signal');
  return o;
}

/** How a producer settles a pending wait; both disarm its timeout and abort. */
export interface Settle<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/**
 * Starts one pending wait. The waiter (`fields` plus settle functions) is
 * handed to `register`, where the producer finds it; on timeout or abort it
 * is handed to `unregister` and the promise rejects. An already aborted
 * signal rejects at once and registers nothing.
 */
export function pendingWait<T, W extends Settle<T>>(
  options: WaitOptions,
  what: string,
  fields: Omit<W, keyof Settle<T>>,
  register: (waiter: W) => void,
  unregister: (waiter: W) => void,
): Promise<T> {
  if (options.signal?.aborted) return Promise.reject(options.signal.reason);
  return new Promise<T>((resolve, reject) => {
    let disarm: (() => void) | undefined;
    const waiter = {
      ...fields,
      resolve: (value: T) => {
        disarm?.();
        resolve(value);
      },
      reject: (reason: unknown) => {
        disarm?.();
        reject(reason);
      },
    } as W;
    register(waiter);
    disarm = armWait(options, what, (reason) => {
      unregister(waiter);
      reject(reason);
    });
  });
}

/**
 * Arms the timeout and abort of one wait. `fail` is called at most once with
 * the reason; the returned function disarms both and must be called when the
 * wait settles any other way. Returns undefined when the signal is already
 * aborted (after calling `fail`).
 */
function armWait(options: WaitOptions, what: string, fail: (reason: unknown) => void): (() => void) | undefined {
  const { signal, timeout } = options;
  if (signal?.aborted) {
    fail(signal.reason);
    return undefined;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = (): void => {
    disarm();
    fail(signal?.reason);
  };
  const disarm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener('abort', onAbort);
  };
  if (timeout !== undefined) {
    timer = setTimeout(() => {
      disarm();
      fail(new WaitTimeoutError(timeout, what));
    }, timeout);
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  return disarm;
}
