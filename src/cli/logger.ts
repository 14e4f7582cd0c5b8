// exitmon's own logs: pino to stderr, JSON lines, or one readable line per
// record on a terminal. Always stderr, so the command's stdout and exitmon's
// exit lines stay clean. pino is bundled into the CLI (it is not a dependency
// of the package: library users inject their own logger).
import pino, { type Logger as PinoLogger } from 'pino';
import { prettyLogLine } from './pretty-log.js';

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
// then would be lost.
export function createCliLogger(options: CliLoggerOptions): PinoLogger {
  const level = options.quiet ? 'warn' : options.verbose ? 'debug' : 'info';
  const destination = pino.destination({ dest: STDERR_FD, sync: true });
  if (options.pretty) {
    const colour = process.env.NO_COLOR === undefined;
    // pino hands a destination each record as one JSON line.
    const stream = { write: (line: string): void => void destination.write(prettyLogLine(line, colour)) };
    return pino({ level, name: 'exitmon' }, stream);
  }
  return pino({ level, name: 'exitmon' }, destination);
}
