// exitmon's own logs: pino to stderr, pretty on a TTY, JSON lines otherwise.
// Always stderr, so the command's stdout and exitmon's exit lines stay clean.
import pino, { type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

/** Where and how much exitmon logs. */
export interface CliLoggerOptions {
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Pretty, colourised logs (stderr is a terminal). */
  readonly pretty: boolean;
}

const STDERR_FD = 2;

// A pino logger on fd 2. Both destinations write synchronously: exitmon ends
// with process.exit(), and a log line still in a buffer or a worker thread
// then would be lost; pino-pretty runs in-process (no transport worker) for
// the same reason.
export function createCliLogger(options: CliLoggerOptions): PinoLogger {
  const level = options.quiet ? 'warn' : options.verbose ? 'debug' : 'info';
  if (options.pretty) {
    const stream = pretty({
      destination: STDERR_FD,
      sync: true,
      colorize: process.env.NO_COLOR === undefined,
      translateTime: 'HH:MM:ss.l',
      ignore: 'hostname',
      singleLine: true,
    });
    return pino({ level, name: 'exitmon' }, stream);
  }
  return pino({ level, name: 'exitmon' }, pino.destination({ dest: STDERR_FD, sync: true }));
}
