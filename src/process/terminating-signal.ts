// "Does this signal end a process?": the one place that answers it for
// killSignal options. A stop that escalates to SIGSTOP would leave the process
// stopped forever and report success (issue 11).
import { rangeError } from '../core/validate.js';
import { signalNumber } from '../core/signals.js';

// Signals whose default action is not to terminate (signal(7)): stop,
// continue, ignore. A caught or ignored terminating signal is the target's
// choice; these never terminate whatever the target does.
const NON_TERMINATING: ReadonlySet<string> = new Set(['SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGCONT', 'SIGCHLD', 'SIGURG', 'SIGWINCH']);

/** The number of `signal` when its default action terminates; RangeError for SIGSTOP, SIGCONT, SIGTSTP, … */
export function terminatingSignalNumber(signal: unknown, name: string): number {
  const n = signalNumber(signal, name);
  if (NON_TERMINATING.has(signal as string)) {
    throw rangeError(name, 'a signal that terminates the process (such as "SIGKILL" or "SIGTERM")', signal);
  }
  return n;
}
