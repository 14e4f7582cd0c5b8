// The error hierarchy. Domain errors extend ExitMonitorError and carry a stable
// string `code`; argument errors are plain TypeError/RangeError (see validate.ts).

// Two copies of exitmon in one process (the ESM and the CJS build, or two
// installed copies) have two sets of classes, so a plain `instanceof` fails
// for an error made by the other copy. Every error therefore carries, under a
// registered symbol, the names of the classes it was built from, and
// `instanceof` also accepts a value whose brand lists the class's name.
const BRAND = Symbol.for('exitmon.errorClasses.v1');

// The class names from new.target up to (and including) ExitMonitorError.
function classNames(target: abstract new (...args: never[]) => unknown): string[] {
  const names: string[] = [];
  for (let c: unknown = target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
    names.push((c as { name: string }).name);
  }
  return names;
}

/** Base class of every domain error exitmon throws or rejects with. */
export class ExitMonitorError extends Error {
  /** Stable machine-readable code, e.g. `'ERR_WAIT_TIMEOUT'`. */
  readonly code: string;

  /**
   * `error instanceof SomeExitmonError` holds for errors of every copy of
   * exitmon loaded in the process (ESM and CJS builds, two installed copies).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    const brand = (value as { [BRAND]?: unknown })[BRAND];
    return Array.isArray(brand) && brand.includes(this.name);
  }

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, BRAND, { value: Object.freeze(classNames(new.target)) });
  }
}

/** `next()` on, or a pending `next()` of, a subscription that was unsubscribed. */
export class SubscriptionClosedError extends ExitMonitorError {
  constructor(message = 'The subscription is closed', options?: { cause?: unknown }) {
    super(message, 'ERR_SUBSCRIPTION_CLOSED', options);
  }
}

/** Anything asked of a monitor after `close()`, and waits pending when it closed. */
export class MonitorClosedError extends ExitMonitorError {
  constructor(message = 'The exit monitor is closed', options?: { cause?: unknown }) {
    super(message, 'ERR_MONITOR_CLOSED', options);
  }
}

/** A wait (`waitPid`, `waitExec`, `next`) ran past its `timeout`. */
export class WaitTimeoutError extends ExitMonitorError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeout: number;

  constructor(timeout: number, what: string) {
    super(`Timed out after ${timeout} ms waiting for ${what}`, 'ERR_WAIT_TIMEOUT');
    this.timeout = timeout;
  }
}

/** The process does not exist (ESRCH) where it was required to. */
export class NoSuchProcessError extends ExitMonitorError {
  readonly pid: number;

  constructor(pid: number, options?: { cause?: unknown }) {
    super(`No such process: ${pid}`, 'ERR_NO_SUCH_PROCESS', options);
    this.pid = pid;
  }
}

/**
 * A feature needs what this process does not have: the native (pidfd)
 * backend, a native spawn the options allow, a writable cgroup v2, or the
 * runtime's permission to read /proc or to signal (Deno without `-A`). The
 * message names why when the cause says (`cause`: a reason or an error).
 */
export class NativeUnavailableError extends ExitMonitorError {
  constructor(feature: string, options?: { cause?: unknown }) {
    const cause = options?.cause;
    const why = typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : undefined;
    super(
      why === undefined ? `${feature} needs the native exitmon addon (Linux ≥ 5.4 with pidfd), which is not available here` : `${feature} is not available here: ${why}`,
      'ERR_NATIVE_UNAVAILABLE',
      options,
    );
  }
}

/**
 * `close()` (of a monitor or a reaper) ran every teardown step, but at least
 * one of them (for example a user's lifecycle listener) threw. The first
 * failure is the `cause`; all of them are in `errors`.
 */
export class TeardownError extends ExitMonitorError {
  /** Every failure, in the order the steps ran. */
  readonly errors: readonly unknown[];

  constructor(what: string, errors: readonly unknown[]) {
    super(`${what} closed, but ${errors.length} teardown step(s) failed`, 'ERR_TEARDOWN', { cause: errors[0] });
    this.errors = errors;
  }
}

/**
 * A system call failed. Keeps `errno` (positive, as the kernel returns it),
 * the errno name in `code` (e.g. `'EMFILE'`) and the `syscall` name, like
 * Node's own system errors.
 */
export class SyscallError extends ExitMonitorError {
  readonly errno: number;
  readonly syscall: string;

  constructor(syscall: string, errno: number, errnoName: string, detail?: string) {
    super(`${syscall} failed: ${errnoName} (errno ${errno})${detail ? `: ${detail}` : ''}`, errnoName);
    this.errno = errno;
    this.syscall = syscall;
  }
}

/**
 * Whether `error` is the runtime's permission model refusing an operation
 * (Deno's `NotCapable`, `PermissionDenied` before Deno 2; Node's
 * `ERR_ACCESS_DENIED` under `--permission`), not an errno from the kernel.
 * Such a refusal says nothing about the process asked about: reading it as
 * "no such process" would report live processes gone and leave them running.
 */
export function isRuntimeRefusal(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === 'NotCapable' || name === 'PermissionDenied' || code === 'ERR_ACCESS_DENIED';
}
