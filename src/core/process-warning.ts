// The one process warning a consumer bug earns when nobody configured a
// logger: a throwing listener must never be silent. Core is platform-free, so
// it cannot call the runtime's warning API itself; the package entry (which
// runs on Node, Bun or Deno) installs the function that does. Without it
// (core used on its own, off those runtimes) nothing is printed and
// `stats().listenerErrors` still counts.

/** The `code` of the process warning printed on the first listener failure. */
export const LISTENER_ERROR_WARNING_CODE = 'EXITMON_LISTENER_ERROR';

/** Prints one process warning (the runtime's `emitWarning`). */
export type ProcessWarningHook = (message: string, code: string) => void;

// Process-wide, not per module copy: an ESM and a CJS copy of exitmon in one
// process share the "already warned" mark, so the warning comes once.
const WARNED = Symbol.for('exitmon.listenerErrorWarned');

let hook: ProcessWarningHook | undefined;

// Called once by the package entry with the runtime's warning function.
export function setProcessWarningHook(fn: ProcessWarningHook | undefined): void {
  hook = fn;
}

/** Describes any thrown value for a message, without throwing itself. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

// Prints the listener-failure warning unless this process already did.
export function warnListenerFailureOnce(error: unknown): void {
  const global = globalThis as Record<symbol, unknown>;
  if (hook === undefined || global[WARNED] === true) return;
  global[WARNED] = true;
  const reason = describeError(error);
  try {
    hook(
      `An exitmon listener or observer threw (${reason}); delivery goes on. ` +
        'Pass a logger to see every failure; stats().listenerErrors counts them. Shown once per process run.',
      LISTENER_ERROR_WARNING_CODE,
    );
  } catch {
    // A warning must not break delivery.
  }
}
