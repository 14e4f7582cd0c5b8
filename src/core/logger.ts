// The logging seam. exitmon logs through a pino-compatible object the host
// injects; by default nothing is logged and pino is not even loaded.
import { processWide } from './process-wide.js';
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

// One silent logger per process, shared by every copy of exitmon (ESM and
// CJS builds, two installed copies): "no logger given" must look the same to
// all of them (Reaper.shared() compares options; the monitor warns once when
// a listener fails and nobody passed a logger).
/** A logger that drops everything: the default. */
export const silentLogger: Logger = processWide('exitmon.silentLogger.v1', () => Object.freeze({ error: noop, warn: noop, info: noop, debug: noop }), isLogger);

function isLogger(value: unknown): value is Logger {
  const logger = value as Partial<Logger> | null;
  return typeof logger === 'object' && logger !== null && (['error', 'warn', 'info', 'debug'] as const).every((level) => typeof logger[level] === 'function');
}

/** Throws a TypeError naming `name` unless `value` has the four methods exitmon calls (error, warn, info, debug). */
export function assertLogger(value: unknown, name = 'options.logger'): asserts value is Logger {
  if (!isLogger(value)) {
    throw typeError(name, 'a pino-compatible logger (with error, warn, info and debug methods)', value);
  }
}
