// exitmon's command-line entry: parse, set up logging, output and metrics,
// run one subcommand, exit with its status. Built on the public API, plus the
// internal signal and terminal helpers an init needs (docs/architecture.md).
// Start-up time matters (exitmon run is an init): each subcommand, the
// library and the metrics server are loaded only when the command line asks
// for them, so `--help` loads no library code and `run` no metrics code.
import { parseInvocation, UsageError, type CommonOptions, type Invocation } from './args.js';
import type { CliContext } from './context.js';
import { parseStartFds, START_FDS_ENV } from './inherited-fds.js';
import { parseStartNofile, START_NOFILE_ENV } from './start-limits.js';
import { releaseHungUpTerminal } from './hung-up-terminal.js';
import { handOverEarlySignals } from './early-signals.js';
import { restoreNodeOptions } from './node-options.js';
import { flushOutput, isTerminal, noColor, writeErr, writeOut } from './stdio.js';
import { helpText, packageVersion, usageText } from './usage.js';

/** The exit status for bad usage (as in most Unix tools). */
export const USAGE_STATUS = 2;
/** The exit status when exitmon itself fails. */
export const INTERNAL_ERROR_STATUS = 1;

// Parses argv and runs what it asks for; resolves with the exit status.
async function main(argv: readonly string[]): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv, isTerminal(1));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    writeErr(usageText(error.message));
    return USAGE_STATUS;
  }
  switch (invocation.kind) {
    case 'help':
      writeOut(helpText(invocation.subcommand));
      return 0;
    case 'version':
      writeOut(`${packageVersion()}\n`);
      return 0;
  }
  const context = await createContext(invocation.common);
  const metrics = invocation.common.metrics === undefined ? undefined : new (await import('./metrics.js')).CliMetrics(context.reaper);
  const address = invocation.common.metrics;
  // Starts the metrics server; the exit status (logged why) when it cannot.
  const serveMetrics = async (): Promise<number | undefined> => {
    if (metrics === undefined || address === undefined) return undefined;
    try {
      const { url } = await metrics.listen(address);
      // A port the kernel picked is known from this line alone: at warn
      // level, so that `--quiet --metrics 0` still tells it.
      context.logger[address.port === 0 ? 'warn' : 'info']({ url }, `metrics at ${url}`);
      return undefined;
    } catch (error) {
      // A system error (EADDRINUSE, EACCES, a host that does not resolve)
      // says everything in its message: no stack trace for it.
      const { code } = error as NodeJS.ErrnoException;
      context.logger.error(typeof code === 'string' ? { code } : { err: error }, `cannot serve metrics: ${(error as Error).message}`);
      return INTERNAL_ERROR_STATUS;
    }
  };
  try {
    // `up` serves them once its services file proved valid: a bad file is
    // status 2 before anything starts, whatever the port.
    const failed = invocation.kind === 'up' ? undefined : await serveMetrics();
    if (failed !== undefined) return failed;
    // Only run and up handle signals; the others get the default actions back.
    if (invocation.kind !== 'run' && invocation.kind !== 'up') handOverEarlySignals('release');
    switch (invocation.kind) {
      case 'run':
        return await (await import('./run.js')).runCommand(invocation, context);
      case 'watch':
        return await (await import('./watch.js')).watchPids(invocation.pids, context);
      case 'demo':
        return await (await import('./demo.js')).runDemo(context);
      case 'up':
        return await (await import('./up.js')).runUp({ ...(invocation.file !== undefined ? { file: invocation.file } : {}), quiet: invocation.common.quiet }, context, metrics?.registry, serveMetrics);
    }
    throw new Error(`unhandled subcommand ${(invocation as { kind: string }).kind}`);
  } finally {
    await metrics?.close();
    context.reaper.close();
  }
}

// The logger, the shared reaper and the printer for one subcommand.
async function createContext(common: CommonOptions): Promise<CliContext> {
  const [{ Reaper }, { START_SIGIGN_ENV }, { createCliLogger }, { ExitPrinter }] = await Promise.all([
    import('../index.js'),
    import('../process/signal-forwarder.js'),
    import('./logger.js'),
    import('./format.js'),
  ]);
  const logger = createCliLogger({ quiet: common.quiet, verbose: common.verbose, pretty: isTerminal(2) });
  // The launcher's mask describes this process's start only: taken out of the
  // environment before any subcommand starts a process, so that no command
  // or service (a nested exitmon among them) inherits and misreads it.
  const startSigIgn = process.env[START_SIGIGN_ENV];
  delete process.env[START_SIGIGN_ENV];
  const startFds = parseStartFds(process.env[START_FDS_ENV]);
  delete process.env[START_FDS_ENV];
  const startNofile = parseStartNofile(process.env[START_NOFILE_ENV]);
  delete process.env[START_NOFILE_ENV];
  restoreNodeOptions();
  // Before anything starts: a runtime that refuses /proc (Deno without -A)
  // makes the reaper throw NativeUnavailableError here, not after the command ran unsupervised.
  const reaper = Reaper.shared({ logger });
  const color = common.format === 'pretty' && isTerminal(1) && !noColor();
  const printer = common.quiet ? null : new ExitPrinter(common.format, { color });
  return { reaper, logger, printer, format: common.format, color, startSigIgn, startFds, startNofile };
}

// Every way out: pending output first, then a hung-up terminal swapped out (see hung-up-terminal.ts).
function exit(status: number): never {
  flushOutput();
  releaseHungUpTerminal();
  process.exit(status);
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  // What this process lacks (the runtime's permission, say) is no bug of exitmon's: its message says it all.
  const lacking = (error as { code?: unknown } | null)?.code === 'ERR_NATIVE_UNAVAILABLE';
  const why = error instanceof Error ? (lacking ? error.message : (error.stack ?? error.message)) : String(error);
  writeErr(`exitmon: ${lacking ? '' : 'internal error: '}${why}\n`);
  exit(INTERNAL_ERROR_STATUS);
});
