// The logging seam. exitmon logs through a pino-compatible object the host
// injects; by default nothing is logged and pino is not even loaded.

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
