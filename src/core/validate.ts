// Argument checks shared by every public entry point. Messages follow one form:
//   Expected `pid` to be a positive integer, got `-3` (number)

/** The largest int32: what the addon and node:child_process take for ids and limits. */
export const MAX_INT32 = 2 ** 31 - 1;

/** Largest value a pid can take (pids are C `int`; Linux caps them at 2^22). */
export const MAX_PID = MAX_INT32;

// Renders a received value for an error message, short and unambiguous.
export function describe(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'bigint') shown = `${value}n`;
  else if (typeof value === 'symbol' || typeof value === 'function') shown = String(value);
  else if (value === null || value === undefined || typeof value !== 'object') shown = String(value);
  else if (!isPlain(value)) shown = `${(value as { constructor?: { name?: string } }).constructor?.name || 'Object'} {…}`;
  else {
    try {
      shown = JSON.stringify(value) ?? Object.prototype.toString.call(value);
    } catch {
      shown = Object.prototype.toString.call(value);
    }
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${type})`;
}

// An array or an object literal, whose JSON says what it is; a class
// instance's JSON says little ('{}') or throws (circular), its class name more.
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return Array.isArray(value) || proto === null || proto === Object.prototype;
}

/** Builds the TypeError thrown for a value of the wrong type. */
export function typeError(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

/** Builds the RangeError thrown for a value of the right type out of range. */
export function rangeError(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

/**
 * The error for a value that failed its check: a RangeError when it has the
 * right type (`type`, a number by default) but not an accepted value, else a TypeError.
 */
export function valueError(name: string, expected: string, value: unknown, type: 'number' | 'string' = 'number'): TypeError | RangeError {
  return (typeof value === type ? rangeError : typeError)(name, expected, value);
}

/** Throws unless `value` is an integer from 0 to MAX_INT32 (a uid, a gid, a limit for the addon). */
export function assertNonNegativeInt32(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INT32) throw valueError(name, `an integer from 0 to ${MAX_INT32}`, value);
}

/** Throws unless `value` is an integer pid in 1..2^31-1. */
export function assertPid(value: unknown, name = 'pid'): asserts value is number {
  if (typeof value !== 'number') throw typeError(name, 'a positive integer', value);
  if (!Number.isInteger(value) || value < 1) throw rangeError(name, 'a positive integer', value);
  if (value > MAX_PID) throw rangeError(name, `a positive integer no greater than ${MAX_PID}`, value);
}

/**
 * The longest duration exitmon waits with one timer: setTimeout's limit
 * (2^31 - 1 ms, about 24.8 days). A longer delay would fire after 1 ms.
 */
export const MAX_DURATION_MS = MAX_INT32;

/** Throws unless `value` is a number of milliseconds from 0 to MAX_DURATION_MS. */
export function assertDuration(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw typeError(name, 'a non-negative number of milliseconds', value);
  if (!Number.isFinite(value) || value < 0 || value > MAX_DURATION_MS) {
    throw rangeError(name, `a non-negative number of milliseconds up to ${MAX_DURATION_MS} (about 24.8 days)`, value);
  }
}

/** Throws unless `value` is a non-empty string. */
export function assertNonEmptyString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw typeError(name, 'a non-empty string', value);
  if (value.length === 0) throw rangeError(name, 'a non-empty string', value);
}

/** Throws unless `value` is undefined or a non-empty string. */
export function assertOptionalString(value: unknown, name: string): asserts value is string | undefined {
  if (value !== undefined) assertNonEmptyString(value, name);
}

/** Throws unless `value` is undefined or a plain object (not null, not an array). */
export function assertOptions(value: unknown, name = 'options'): asserts value is object | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw typeError(name, 'an object', value);
  }
}

/**
 * Throws a TypeError unless value is an AbortSignal. Checked by shape (what
 * a wait uses of it), not instanceof: a signal from another realm or copy of
 * the runtime's classes serves as well, and an object that merely has an
 * `aborted` flag is refused before any wait is registered.
 */
export function assertAbortSignal(value: unknown, name: string): asserts value is AbortSignal {
  const s = value as AbortSignal | null;
  if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function' || typeof s.removeEventListener !== 'function' || typeof s.throwIfAborted !== 'function') {
    throw typeError(name, 'an AbortSignal', value);
  }
}
