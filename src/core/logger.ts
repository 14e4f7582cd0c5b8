// The logging seam. exitmon logs through a pino-compatible object the host
// injects; by default nothing is logged and pino is not even loaded.
import { typeError } from './validate.js';

type LogFn = (obj: object | string, msg?: string, ...args: unknown[]) => void;

/** The subset of a pino logger exitmon calls. Any pino instance satisfies it. */
export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

const noop: LogFn = () => {};

/** A logger that drops everything: the default. */
export const silentLogger: Logger = Object.freeze({ error: noop, warn: noop, info: noop, debug: noop });

/** Throws a TypeError naming `name` unless `value` has the four methods exitmon calls (error, warn, info, debug). */
export function assertLogger(value: unknown, name = 'options.logger'): asserts value is Logger {
  const logger = value as Partial<Logger> | null;
  if (typeof logger !== 'object' || logger === null || !(['error', 'warn', 'info', 'debug'] as const).every((level) => typeof logger[level] === 'function')) {
    throw typeError(name, 'a pino-compatible logger (with error, warn, info and debug methods)', value);
  }
}
