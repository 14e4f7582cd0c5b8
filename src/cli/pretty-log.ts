// One pino JSON record as one readable line for a terminal, the way
// pino-pretty's singleLine mode prints it (which exitmon used before; it
// weighed 16 packages for this):
//   12:00:01.234 INFO (exitmon): cannot start foo: ENOENT {"command":"foo"}
// Fields pino always adds (level, time, pid, hostname, name, msg) are in the
// prefix or dropped; an `err` prints its stack on the following lines.
import { visible } from './format.js';

const LEVELS: Record<number, { label: string; colour: string }> = {
  10: { label: 'TRACE', colour: '\x1b[90m' },
  20: { label: 'DEBUG', colour: '\x1b[34m' },
  30: { label: 'INFO', colour: '\x1b[32m' },
  40: { label: 'WARN', colour: '\x1b[33m' },
  50: { label: 'ERROR', colour: '\x1b[31m' },
  60: { label: 'FATAL', colour: '\x1b[41m' },
};
const RESET = '\x1b[0m';
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'err']);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

// HH:MM:ss.l in local time.
function clock(time: unknown): string {
  const date = new Date(typeof time === 'number' ? time : Date.now());
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Formats one JSON log line; a line that is not JSON passes through unchanged. */
export function prettyLogLine(json: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = LEVELS[record.level as number] ?? { label: String(record.level), colour: '' };
  const label = colour ? `${level.colour}${level.label}${RESET}` : level.label;
  const name = typeof record.name === 'string' ? ` (${record.name})` : '';
  const extra = Object.fromEntries(Object.entries(record).filter(([key]) => !OMITTED.has(key)));
  const fields = Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : '';
  const err = record.err as { stack?: unknown } | undefined;
  const stack = typeof err?.stack === 'string' ? `\n    ${err.stack.split('\n').map((line) => visible(line)).join('\n    ')}` : '';
  // The message may quote what the user wrote (a command): one line, nothing raw.
  return `${clock(record.time)} ${label}${name}: ${visible(String(record.msg ?? ''))}${fields}${stack}\n`;
}
