// Timeout and AbortSignal plumbing shared by every wait: waitPid, waitExec and
// a subscription's next(). Timers are unref'd: a wait alone never keeps the
// process alive.
import { WaitTimeoutError } from './errors.js';
import { assertDuration, assertOptions, typeError } from './validate.js';

/** Options of every wait. */
export interface WaitOptions {
  /** Rejects the wait with the signal's reason when it aborts. */
  signal?: AbortSignal;
  /** Rejects the wait with a `WaitTimeoutError` after this many milliseconds. */
  timeout?: number;
}

// Validates WaitOptions; throws TypeError/RangeError.
export function checkWaitOptions(options: unknown): WaitOptions {
  assertOptions(options);
  const o = (options ?? {}) as WaitOptions;
  if (o.timeout !== undefined) assertDuration(o.timeout, 'options.timeout');
  if (o.signal !== undefined && (typeof o.signal !== 'object' || o.signal === null || typeof o.signal.aborted !== 'boolean')) {
    throw typeError('options.signal', 'an AbortSignal', o.signal);
  }
  return o;
}

/**
 * Arms the timeout and abort of one wait. `fail` is called at most once with
 * the reason; the returned function disarms both and must be called when the
 * wait settles any other way. Returns undefined when the signal is already
 * aborted (after calling `fail`).
 */
export function armWait(options: WaitOptions, what: string, fail: (reason: unknown) => void): (() => void) | undefined {
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
    (timer as { unref?: () => void }).unref?.();
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  return disarm;
}
