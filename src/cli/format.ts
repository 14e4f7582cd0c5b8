// Exit lines: one per exit, written whole with a single write() so they never
// interleave mid-line with each other (stdout pipes and files are written
// synchronously by Node on Linux; the command writes to the same fd).
import type { ExitEvent } from '../index.js';
import type { OutputFormat } from './args.js';
import { formatDuration } from './duration.js';
import { writeOut } from './stdio.js';

/** What exitmon knows about a process beyond its exit event. */
export interface ExitContext {
  /** main: the command exitmon runs; child: another process it started; orphan: adopted; watched: `watch PID`. */
  readonly role: 'main' | 'child' | 'orphan' | 'watched';
  /** The command line, when exitmon started the process. */
  readonly command?: readonly string[];
  /** `Date.now()` at start, when exitmon started the process. */
  readonly startedAt?: number;
}

const MAX_COMMAND_CHARS = 80;
const ROLE_WIDTH = 'watched'.length;

/** The terminal colours of exitmon's output lines. */
export const ANSI = { green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', dim: '\x1b[2m', reset: '\x1b[0m' } as const;

/** Writes exit lines in one format to one sink. */
export class ExitPrinter {
  readonly #format: OutputFormat;
  readonly #color: boolean;
  readonly #write: (line: string) => void;

  constructor(format: OutputFormat, options: { color?: boolean; write?: (line: string) => void } = {}) {
    this.#format = format;
    this.#color = options.color ?? false;
    this.#write = options.write ?? writeOut;
  }

  // Prints one exit.
  print(event: ExitEvent, context: ExitContext): void {
    const line = this.#format === 'json' ? formatExitJson(event, context) : formatExitPretty(event, context, this.#color);
    this.#write(`${line}\n`);
  }

  // Prints a record that is not an exit (the demo summary): JSON as one line,
  // pretty as the given text lines, still one write.
  printRecord(record: Record<string, unknown>, prettyLines: readonly string[]): void {
    this.#write(this.#format === 'json' ? `${JSON.stringify(record)}\n` : `${prettyLines.join('\n')}\n`);
  }
}

// `exit pid=4242 main    status=3   code=3 outcome=observed 1.02s sh -c 'exit 3'`
export function formatExitPretty(event: ExitEvent, context: ExitContext, color = false): string {
  const paint = (code: string, text: string): string => (color ? `${code}${text}${ANSI.reset}` : text);
  const statusText = event.status === -1 ? '?' : String(event.status);
  const statusColor = event.status === 0 ? ANSI.green : event.status === -1 ? ANSI.yellow : ANSI.red;
  const parts = [
    `exit pid=${event.pid}`,
    context.role.padEnd(ROLE_WIDTH),
    paint(statusColor, `status=${statusText}`.padEnd(10)),
  ];
  if (event.signal !== null) parts.push(`signal=${event.signal}${event.coreDumped ? ' (core dumped)' : ''}`);
  else if (event.code !== null) parts.push(`code=${event.code}`);
  parts.push(paint(ANSI.dim, `outcome=${event.outcome}`));
  // Ids come from the user (--exec-id) or a publisher: quoted like the command.
  if (event.execId !== undefined) parts.push(`exec=${shellWord(event.execId)}`);
  if (event.containerId !== undefined) parts.push(`container=${shellWord(event.containerId)}`);
  const durationMs = durationOf(event, context);
  if (durationMs !== undefined) parts.push(`after=${formatDuration(durationMs)}`);
  if (context.command !== undefined) parts.push(paint(ANSI.dim, shortCommand(context.command)));
  return parts.join(' ');
}

// One JSON object per line; absent fields are left out rather than null.
export function formatExitJson(event: ExitEvent, context: ExitContext): string {
  return JSON.stringify({
    type: 'exit',
    seq: event.seq,
    pid: event.pid,
    role: context.role,
    execId: event.execId,
    containerId: event.containerId,
    status: event.status,
    code: event.code,
    signal: event.signal,
    coreDumped: event.coreDumped,
    outcome: event.outcome,
    timestamp: event.timestamp,
    durationMs: durationOf(event, context),
    command: context.command,
  });
}

// How long the process ran, when exitmon saw it start.
function durationOf(event: ExitEvent, context: ExitContext): number | undefined {
  return context.startedAt === undefined ? undefined : Math.max(0, event.timestamp - context.startedAt);
}

// The command line as a shell would show it, cut to a readable length.
function shortCommand(argv: readonly string[]): string {
  const text = argv.map(shellWord).join(' ');
  return text.length > MAX_COMMAND_CHARS ? `${text.slice(0, MAX_COMMAND_CHARS - 1)}…` : text;
}

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\\': '\\\\', "'": "\\'" };

// One argument as a shell word. Control characters (a newline, ESC) use
// bash's $'…' escapes: the line stays one line and nothing reaches the
// terminal raw.
function shellWord(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (!/[\x00-\x1f\x7f]/.test(arg)) return `'${arg.replaceAll("'", `'\\''`)}'`;
  return `$'${visible(arg, /[\x00-\x1f\x7f\\']/g)}'`;
}

/**
 * `text` with its control characters as escapes (`\n`, `\t`, `\x1b`): a
 * line for people stays one line, and nothing reaches the terminal raw.
 */
export function visible(text: string, chars = /[\x00-\x1f\x7f]/g): string {
  return text.replace(chars, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
