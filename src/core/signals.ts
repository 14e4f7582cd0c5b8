// Linux signal numbers, so the platform-free core can turn a signal name into
// the shell-style status 128 + n without importing node:os. The values are the
// x86/arm/generic Linux ABI (signal(7)); the sources check them against
// os.constants.signals at load time in a test.
import { rangeError, typeError } from './validate.js';

export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6,
  SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12,
  SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18,
  SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24,
  SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29,
  SIGPWR: 30, SIGSYS: 31,
});

const NAMES_BY_NUMBER: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, n] of Object.entries(SIGNAL_NUMBERS)) names[n] ??= name;
  return names;
})();

/** The number of a signal name; throws a TypeError/RangeError for anything else. */
export function signalNumber(name: unknown, argName = 'signal'): number {
  if (typeof name !== 'string') throw typeError(argName, 'a signal name such as "SIGTERM"', name);
  const n = SIGNAL_NUMBERS[name];
  if (n === undefined) throw rangeError(argName, 'a known signal name such as "SIGTERM"', name);
  return n;
}

/**
 * A signal given by name or by number, as `ChildProcess.kill` takes it: its
 * number. Numbers are 1-31 and the real-time 34-64 (glibc keeps 32 and 33
 * for its threads); throws a TypeError/RangeError for anything else.
 */
export function signalNumberOf(signal: unknown, argName = 'signal'): number {
  if (typeof signal !== 'number') return signalNumber(signal, argName);
  if (Number.isInteger(signal) && ((signal >= 1 && signal <= 31) || (signal >= 34 && signal <= 64))) return signal;
  throw rangeError(argName, 'a signal name such as "SIGTERM" or a signal number (1-31, 34-64)', signal);
}

/** The canonical name of signal number `n`, or undefined when unknown. */
export function signalName(n: number): NodeJS.Signals | undefined {
  return NAMES_BY_NUMBER[n] as NodeJS.Signals | undefined;
}
