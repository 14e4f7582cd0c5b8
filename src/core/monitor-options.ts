// The options of `new ExitMonitor()` and their checks.
import { DEFAULT_SLICE_MS } from './dispatcher.js';
import { assertLogger, silentLogger, type Logger } from './logger.js';
import { DEFAULT_RECENT_EXITS, MAX_RECENT_EXITS } from './recent-exits.js';
import { assertOptions, rangeError, typeError } from './validate.js';

/** Options of `new ExitMonitor()`. */
export interface ExitMonitorOptions {
  /**
   * A pino-compatible logger. Without one, the first listener failure in the
   * process prints one process warning (code `EXITMON_LISTENER_ERROR`).
   * @default silent
   */
  logger?: Logger;
  /**
   * How many of the most recent exits `waitPid`, `waitExec` and `lastExit`
   * answer from (the last N publishes, newest per pid / execId); 0 disables;
   * at most 1,000,000 (allocated up front, scanned by each look-up).
   * @default 1024
   */
  recentExits?: number;
  /** Longest delivery slice before yielding to the event loop, in ms. @default 4 */
  sliceMs?: number;
}

/** Checks the options and fills in the defaults; throws TypeError/RangeError. */
export function checkMonitorOptions(options: unknown): Required<ExitMonitorOptions> {
  assertOptions(options);
  const { logger = silentLogger, recentExits = DEFAULT_RECENT_EXITS, sliceMs = DEFAULT_SLICE_MS } = (options ?? {}) as ExitMonitorOptions;
  assertLogger(logger);
  const expected = `an integer from 0 to ${MAX_RECENT_EXITS}`;
  if (typeof recentExits !== 'number') throw typeError('options.recentExits', expected, recentExits);
  if (!Number.isSafeInteger(recentExits) || recentExits < 0 || recentExits > MAX_RECENT_EXITS) {
    throw rangeError('options.recentExits', expected, recentExits);
  }
  if (typeof sliceMs !== 'number') throw typeError('options.sliceMs', 'a positive number of milliseconds', sliceMs);
  if (!(sliceMs > 0) || !Number.isFinite(sliceMs)) throw rangeError('options.sliceMs', 'a positive number of milliseconds', sliceMs);
  return { logger, recentExits, sliceMs };
}
