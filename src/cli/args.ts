// Command-line parsing: node:util parseArgs per subcommand, strict, so an
// unknown flag is a usage error (exit 2) rather than something silently ignored.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_DURATION_HOURS } from '../services/duration.js';
import { parseDuration } from './duration.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';

/** How many ms `run` waits for the rest of the group after the command exits. */
export const DEFAULT_GRACE_MS = 5000;

/** How exit lines are printed. */
export type OutputFormat = 'pretty' | 'json';

/** The subcommands. */
export type Subcommand = 'run' | 'watch' | 'demo' | 'up';
const SUBCOMMANDS: readonly Subcommand[] = ['run', 'watch', 'demo', 'up'];

/** Options every subcommand takes. */
export interface CommonOptions {
  readonly format: OutputFormat;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly metrics: ListenAddress | undefined;
}

/** What the command line asks for. */
export type Invocation =
  | { kind: 'help'; subcommand?: Subcommand }
  | { kind: 'version' }
  | { kind: 'run'; common: CommonOptions; graceMs: number; subreaper: boolean; execId?: string; command: string; args: string[] }
  | { kind: 'watch'; common: CommonOptions; pids: number[] }
  | { kind: 'demo'; common: CommonOptions }
  | { kind: 'up'; common: CommonOptions; file?: string };

/** Bad usage: main prints the message and a short usage to stderr, then exits 2. */
export class UsageError extends Error {
  readonly subcommand: Subcommand | undefined;

  constructor(message: string, subcommand?: Subcommand) {
    super(message);
    this.name = 'UsageError';
    this.subcommand = subcommand;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON_OPTIONS: Options = {
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  metrics: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const RUN_OPTIONS: Options = {
  ...COMMON_OPTIONS,
  grace: { type: 'string' },
  'no-subreaper': { type: 'boolean' },
  'exec-id': { type: 'string' },
};

const MAX_PID = 2 ** 31 - 1;

/**
 * Parses argv (without node and the script). `stdoutIsTTY` picks the default
 * format: pretty for people, JSON lines for pipes and log collectors.
 * @throws UsageError
 */
export function parseInvocation(argv: readonly string[], stdoutIsTTY: boolean): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing subcommand');
  if (first === '--help' || first === '-h' || first === 'help') return helpFor(rest[0]);
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first}' (options go after the subcommand)`);
  if (!isSubcommand(first)) throw new UsageError(`unknown subcommand '${first}'`);
  switch (first) {
    case 'run':
      return parseRun(rest, stdoutIsTTY);
    case 'watch':
      return parseWatch(rest, stdoutIsTTY);
    case 'demo':
      return parseDemo(rest, stdoutIsTTY);
    case 'up':
      return parseUp(rest, stdoutIsTTY);
  }
}

// `help [SUBCOMMAND]`.
function helpFor(topic: string | undefined): Invocation {
  if (topic === undefined) return { kind: 'help' };
  if (!isSubcommand(topic)) throw new UsageError(`unknown subcommand '${topic}'`);
  return { kind: 'help', subcommand: topic };
}

// `run [options] -- COMMAND [ARGS…]`; the `--` may be left out when the
// command does not start with '-': options end at the first positional, so the
// command's own flags (`sh -c …`) are never taken for exitmon's.
function parseRun(argv: readonly string[], tty: boolean): Invocation {
  const { options, command } = splitAtCommand(argv, RUN_OPTIONS);
  const values = strictParse(options, RUN_OPTIONS, false, 'run').values;
  if (values.help === true) return { kind: 'help', subcommand: 'run' };
  const [file, ...args] = command;
  if (file === undefined) throw new UsageError('missing command to run (exitmon run [options] -- COMMAND [ARGS…])', 'run');
  let graceMs = DEFAULT_GRACE_MS;
  if (values.grace !== undefined) {
    const parsed = parseDuration(String(values.grace));
    if (parsed === undefined) throw new UsageError(`invalid duration '${values.grace}' for --grace (examples: 300ms, 2s, 1m30s, 5 for seconds; at most ${MAX_DURATION_HOURS}h)`, 'run');
    graceMs = parsed;
  }
  const execId = values['exec-id'];
  if (execId !== undefined && String(execId).length === 0) throw new UsageError('--exec-id must not be empty', 'run');
  return {
    kind: 'run',
    common: commonOptions(values, tty, 'run'),
    graceMs,
    subreaper: values['no-subreaper'] !== true,
    ...(execId !== undefined ? { execId: String(execId) } : {}),
    command: file,
    args,
  };
}

// `watch PID…`.
function parseWatch(argv: readonly string[], tty: boolean): Invocation {
  const { values, positionals } = strictParse(argv, COMMON_OPTIONS, true, 'watch');
  if (values.help === true) return { kind: 'help', subcommand: 'watch' };
  if (positionals.length === 0) throw new UsageError('missing PID to watch', 'watch');
  const pids = positionals.map((text) => {
    const pid = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(pid >= 1 && pid <= MAX_PID)) throw new UsageError(`invalid pid '${text}' (expected a positive integer)`, 'watch');
    return pid;
  });
  return { kind: 'watch', common: commonOptions(values, tty, 'watch'), pids: [...new Set(pids)] };
}

// `demo`.
function parseDemo(argv: readonly string[], tty: boolean): Invocation {
  const { values, positionals } = strictParse(argv, COMMON_OPTIONS, true, 'demo');
  if (values.help === true) return { kind: 'help', subcommand: 'demo' };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'demo');
  return { kind: 'demo', common: commonOptions(values, tty, 'demo') };
}

// `up [-f FILE]`.
// -f is collected, not overwritten: a second file is refused rather than
// silently replacing the first (docker compose would merge them; exitmon
// reads one file).
const UP_OPTIONS: Options = { ...COMMON_OPTIONS, file: { type: 'string', short: 'f', multiple: true } };
function parseUp(argv: readonly string[], tty: boolean): Invocation {
  const { values, positionals } = strictParse(argv, UP_OPTIONS, true, 'up');
  if (values.help === true) return { kind: 'help', subcommand: 'up' };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (give the file with -f FILE)`, 'up');
  const files = (values.file ?? []) as string[];
  if (files.length > 1) throw new UsageError(`-f given ${files.length} times: exitmon up reads one services file (it does not merge them)`, 'up');
  const file = files[0];
  if (file === '') throw new UsageError('-f needs a file name', 'up');
  return { kind: 'up', common: commonOptions(values, tty, 'up'), ...(file !== undefined ? { file } : {}) };
}

// Splits run's argv into exitmon's options and the command line.
function splitAtCommand(argv: readonly string[], options: Options): { options: string[]; command: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { options: argv.slice(0, i), command: argv.slice(i + 1) };
    if (!arg.startsWith('-') || arg === '-') return { options: argv.slice(0, i), command: argv.slice(i) };
    // `--grace 2s`: the value is not the command.
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && !name.includes('=') && options[name]?.type === 'string') i++;
  }
  return { options: [...argv], command: [] };
}

// parseArgs with its errors turned into usage errors.
function strictParse(args: readonly string[], options: Options, allowPositionals: boolean, sub: Subcommand) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error), sub);
  }
}

// parseArgs messages run over several lines and suggest fixes; keep the
// first. An option without its value reads "argument missing", or "argument
// is ambiguous" when the next word starts with '-' (`--metrics -- cmd`):
// both say which option lacks a value, in words a user expects.
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0]!;
  const noValue = /^Option '[^']*?(--[\w-]+)[^']*' argument (?:missing|is ambiguous)/.exec(first);
  if (noValue !== null) return `missing value for ${noValue[1]} (a value that starts with '-' is written ${noValue[1]}=VALUE)`;
  return first.split('. ')[0]!.replace(/\.$/, '').replace(/^Unknown option/, 'unknown option');
}

// Format, quiet, verbose and metrics, validated.
function commonOptions(values: Record<string, unknown>, tty: boolean, sub: Subcommand): CommonOptions {
  const format = values.format ?? (tty ? 'pretty' : 'json');
  if (format !== 'pretty' && format !== 'json') throw new UsageError(`invalid --format '${String(format)}' (pretty or json)`, sub);
  let metrics: ListenAddress | undefined;
  if (values.metrics !== undefined) {
    metrics = parseListenAddress(String(values.metrics));
    if (metrics === undefined) throw new UsageError(`invalid --metrics '${String(values.metrics)}' (expected [HOST:]PORT, PORT 0-65535)`, sub);
  }
  return { format, quiet: values.quiet === true, verbose: values.verbose === true, metrics };
}

// Narrows a string to a known subcommand.
function isSubcommand(value: string | undefined): value is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(value ?? '');
}
