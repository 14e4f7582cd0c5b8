// The options of a ServiceManager and their check: a bad one is a TypeError
// or RangeError at construction, never a failure later (a logger without
// `warn` used to end the process when a service failed).
import { assertLogger, silentLogger, type Logger } from '../core/logger.js';
import { ExitMonitor } from '../core/monitor.js';
import { assertOptions, rangeError, typeError } from '../core/validate.js';

/** Options of a ServiceManager. */
export interface ServiceManagerOptions {
  /** Where the services' exits are published. @default Reaper.shared().monitor */
  monitor?: ExitMonitor;
  /** pino-compatible; default silent. */
  logger?: Logger;
  /** Where relative `cwd`s are resolved. @default the file's directory for `load()`, else process.cwd() */
  baseDir?: string;
  /**
   * Where the services' stdout and stderr go: shared with this process
   * (`'inherit'`), both to this process's stderr (`'stderr'`, so that stdout
   * carries only what this process prints, e.g. JSON lines), or nowhere.
   * @default 'inherit'
   */
  stdio?: 'inherit' | 'stderr' | 'ignore';
}

const STDIO = ['inherit', 'stderr', 'ignore'] as const;

/** Checks the options; returns them with defaults (the monitor stays optional: Reaper.shared()'s by default). */
export function checkManagerOptions(options: ServiceManagerOptions): { monitor: ExitMonitor | undefined; logger: Logger; stdio: (typeof STDIO)[number]; baseDir: string } {
  assertOptions(options);
  const { monitor, logger = silentLogger, stdio = 'inherit', baseDir = process.cwd() } = options ?? {};
  if (monitor !== undefined && !(monitor instanceof ExitMonitor)) throw typeError('options.monitor', 'an ExitMonitor', monitor);
  assertLogger(logger);
  if (!STDIO.includes(stdio)) throw (typeof stdio === 'string' ? rangeError : typeError)('options.stdio', "'inherit', 'stderr' or 'ignore'", stdio);
  if (typeof baseDir !== 'string' || baseDir.length === 0) throw typeError('options.baseDir', 'a directory path', baseDir);
  return { monitor, logger, stdio, baseDir };
}
