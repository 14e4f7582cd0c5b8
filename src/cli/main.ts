// exitmon's command-line entry: parse, set up logging, output and metrics,
// run one subcommand, exit with its status. Uses only the public API.
import { Reaper } from '../index.js';
import { parseInvocation, UsageError, type CommonOptions, type Invocation } from './args.js';
import type { CliContext } from './context.js';
import { runDemo } from './demo.js';
import { ExitPrinter } from './format.js';
import { createCliLogger } from './logger.js';
import { CliMetrics } from './metrics.js';
import { runCommand } from './run.js';
import { runUp } from './up.js';
import { helpText, packageVersion, usageText } from './usage.js';
import { watchPids } from './watch.js';

/** The exit status for bad usage (as in most Unix tools). */
export const USAGE_STATUS = 2;
/** The exit status when exitmon itself fails. */
export const INTERNAL_ERROR_STATUS = 1;

// Parses argv and runs what it asks for; resolves with the exit status.
async function main(argv: readonly string[]): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv, process.stdout.isTTY === true);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(usageText(error.message));
    return USAGE_STATUS;
  }
  switch (invocation.kind) {
    case 'help':
      process.stdout.write(helpText(invocation.subcommand));
      return 0;
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
  }
  const context = createContext(invocation.common);
  const metrics = invocation.common.metrics === undefined ? undefined : new CliMetrics(context.reaper);
  try {
    if (metrics !== undefined && invocation.common.metrics !== undefined) {
      try {
        const { url } = await metrics.listen(invocation.common.metrics);
        context.logger.info({ url }, `metrics at ${url}`);
      } catch (error) {
        context.logger.error({ err: error }, `cannot serve metrics: ${(error as Error).message}`);
        return INTERNAL_ERROR_STATUS;
      }
    }
    switch (invocation.kind) {
      case 'run':
        return await runCommand(invocation, context);
      case 'watch':
        return await watchPids(invocation.pids, context);
      case 'demo':
        return await runDemo(context);
      case 'up':
        return await runUp({ ...(invocation.file !== undefined ? { file: invocation.file } : {}), quiet: invocation.common.quiet }, context, metrics?.registry);
    }
    throw new Error(`unhandled subcommand ${(invocation as { kind: string }).kind}`);
  } finally {
    await metrics?.close();
    context.reaper.close();
  }
}

// The logger, the shared reaper and the printer for one subcommand.
function createContext(common: CommonOptions): CliContext {
  const logger = createCliLogger({ quiet: common.quiet, verbose: common.verbose, pretty: process.stderr.isTTY === true });
  const reaper = Reaper.shared({ logger });
  const color = common.format === 'pretty' && process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const printer = common.quiet ? null : new ExitPrinter(common.format, { color });
  return { reaper, logger, printer, format: common.format };
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`exitmon: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(INTERNAL_ERROR_STATUS);
  },
);
