// What every subcommand gets from main: the shared reaper, the logger and
// the exit-line printer (null with --quiet).
import type { Logger as PinoLogger } from 'pino';
import type { Reaper } from '../index.js';
import type { OutputFormat } from './args.js';
import type { ExitPrinter } from './format.js';

/** The environment of one subcommand run. */
export interface CliContext {
  readonly reaper: Reaper;
  readonly logger: PinoLogger;
  readonly printer: ExitPrinter | null;
  /** The output format, for records printed even with --quiet (the demo summary). */
  readonly format: OutputFormat;
  /** Colour on stdout: pretty format, stdout a terminal, NO_COLOR unset or empty. */
  readonly color: boolean;
  /** The SigIgn mask the launcher line recorded before exec (START_SIGIGN_ENV), already removed from process.env. */
  readonly startSigIgn: string | undefined;
  /** The fds ≥ 3 exitmon inherited (START_FDS_ENV, see inherited-fds.ts), already removed from process.env. */
  readonly startFds: readonly number[];
  /** The soft open-files limit exitmon was started with (START_NOFILE_ENV, see start-limits.ts), already removed from process.env. */
  readonly startNofile: number | undefined;
}
