// Which signals may end a stop. A kill signal must terminate the process by
// default: one whose default action is to stop, continue or be ignored
// (signal(7)) would leave the process stopped or running and the stop would
// "succeed" with a live survivor.
import { rangeError } from '../core/validate.js';
import { signalNumber } from '../core/signals.js';

/** Signals whose default action does not terminate the process (signal(7)). */
export const NON_TERMINATING_SIGNALS: ReadonlySet<string> = new Set([
  'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', // stop
  'SIGCONT', // continue
  'SIGCHLD', 'SIGURG', 'SIGWINCH', // ignore
]);

/**
 * The number of a kill signal: a known signal whose default action
 * terminates. TypeError for a non-string, RangeError for anything else.
 */
export function killSignalNumber(name: unknown, argName = 'options.killSignal'): number {
  const n = signalNumber(name, argName);
  if (NON_TERMINATING_SIGNALS.has(name as string)) {
    throw rangeError(argName, 'a signal that terminates the process, such as "SIGKILL" or "SIGTERM"', name);
  }
  return n;
}
