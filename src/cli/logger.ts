// exitmon's own logs: pino to stderr, JSON lines, or one readable line per
// record on a terminal. Always stderr, so the command's stdout and exitmon's
// exit lines stay clean. pino is bundled into dist/pino.cjs (it is not a
// dependency of the package: library users inject their own logger), and it
// is loaded on the first record actually written: a quiet `exitmon run` never
// loads it.
import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';
import { prettyLogLine } from './pretty-log.js';
import { noColor, writeErr } from './stdio.js';

/** Where and how much exitmon logs. */
export interface CliLoggerOptions {
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Pretty, colourised logs (stderr is a terminal). */
  readonly pretty: boolean;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
// pino's numeric levels, for the methods whose calls can be dropped unloaded.
const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const noop = (): void => {};

// pino: dist/pino.cjs next to the CLI's folder in the package, else the
// `pino` devDependency (this repository's tests run the sources). The CLI
// build keeps `pino` external, so only the bundled file ships.
function loadPino(): typeof import('pino') {
  const require = createRequire(import.meta.url);
  try {
    return require('../pino.cjs') as typeof import('pino');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return require('pino') as typeof import('pino');
  }
}

// A pino logger on fd 2, written through stdio.ts at once (queued only
// while a reader stalls, offered again at exit by flushOutput): a line in a
// pino worker thread would be lost at process.exit(); and a stderr that
// cannot take a line (a reader gone, a full disk) costs the line, never
// exitmon or the command's status.
function createPino(level: Level, pretty: boolean): PinoLogger {
  const colour = !noColor();
  // pino hands a destination each record as one JSON line.
  const write = pretty ? (line: string): void => writeErr(prettyLogLine(line, colour)) : writeErr;
  let pino: typeof import('pino')['pino'];
  try {
    ({ pino } = loadPino());
  } catch {
    // No fd left to open pino's file (EMFILE: `watch` of more pids than
    // fds, whose fallback warning is the first record): the records still
    // go out, and exitmon goes on.
    return minimalLogger(level, write);
  }
  return pino({ level, name: 'exitmon' }, { write });
}

// pino's record shape without pino: one JSON line per record at or above
// `level`; an Error field keeps its type, message and code.
function minimalLogger(level: Level, write: (line: string) => void): PinoLogger {
  const record = (name: string) => (first?: unknown, msg?: string): void => {
    if (LEVEL_VALUES[name]! < LEVEL_VALUES[level]!) return;
    const fields = typeof first === 'object' && first !== null ? Object.entries(first) : [];
    const plain = fields.map(([key, value]) => [key, value instanceof Error ? { type: value.name, message: value.message, code: (value as NodeJS.ErrnoException).code } : value]);
    const text = typeof first === 'string' ? first : msg;
    write(`${JSON.stringify({ level: LEVEL_VALUES[name], time: Date.now(), pid: process.pid, name: 'exitmon', ...Object.fromEntries(plain), msg: text })}\n`);
  };
  const logger: Record<string, unknown> = Object.fromEntries(Object.keys(LEVEL_VALUES).map((name) => [name, record(name)]));
  Object.assign(logger, { level, child: () => logger, isLevelEnabled: (l: string) => (LEVEL_VALUES[l] ?? 0) >= LEVEL_VALUES[level]! });
  return logger as unknown as PinoLogger;
}

/**
 * A pino logger that creates itself on first use. Until then, a method of a
 * disabled level is a no-op and a method of an enabled level loads pino when
 * called; any other use (level, child(), …) loads it at once.
 */
export function createCliLogger(options: CliLoggerOptions): PinoLogger {
  const level: Level = options.quiet ? 'warn' : options.verbose ? 'debug' : 'info';
  let real: PinoLogger | undefined;
  const load = (): PinoLogger => (real ??= createPino(level, options.pretty));
  return new Proxy({} as PinoLogger, {
    get(_target, key) {
      if (real === undefined && typeof key === 'string' && LEVEL_VALUES[key] !== undefined) {
        if (LEVEL_VALUES[key] < LEVEL_VALUES[level]!) return noop;
        return (...args: unknown[]) => (load()[key as Level] as (...a: unknown[]) => void)(...args);
      }
      const logger = load();
      const value: unknown = Reflect.get(logger, key);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(logger) : value;
    },
    set: (_target, key, value) => Reflect.set(load(), key, value),
    has: (_target, key) => Reflect.has(load(), key),
  });
}
