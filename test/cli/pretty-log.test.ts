// exitmon's terminal log lines (src/cli/pretty-log.ts), which replaced pino-pretty.
import { describe, expect, it } from 'vitest';
import { prettyLogLine } from '../../src/cli/pretty-log.js';
import { formatServiceEventPretty } from '../../src/cli/service-format.js';

const record = (fields: Record<string, unknown>): string =>
  `${JSON.stringify({ level: 30, time: new Date(2026, 0, 2, 3, 4, 5, 6).getTime(), pid: 42, hostname: 'h', name: 'exitmon', msg: 'hello', ...fields })}\n`;

describe('prettyLogLine', () => {
  it('prints local time, level, name and message, and the other fields as JSON, on one line', () => {
    expect(prettyLogLine(record({ childPid: 7 }), false)).toBe('03:04:05.006 INFO (exitmon): hello {"childPid":7}\n');
  });

  it('prints control characters in the message as escapes: one line, nothing raw on the terminal', () => {
    // A command name the user wrote, with a newline and an ESC sequence in it.
    expect(prettyLogLine(record({ msg: 'cannot start /no/such\nfake \u001b[31mRED' }), false)).toBe('03:04:05.006 INFO (exitmon): cannot start /no/such\\nfake \\x1b[31mRED\n');
  });

  it('prints a service event reason with its control characters escaped (up --format pretty)', () => {
    const event = { service: 'web', event: 'failed' as const, restarts: 0, at: 0, reason: 'cannot start /no/such\nfake \u001b[31mRED: ENOENT' };
    expect(formatServiceEventPretty(event, 3)).toBe('web failed     restarts=0 (cannot start /no/such\\nfake \\x1b[31mRED: ENOENT)');
  });

  it('drops the fields pino always adds', () => {
    expect(prettyLogLine(record({}), false)).toBe('03:04:05.006 INFO (exitmon): hello\n');
  });

  it("colours the level only when asked", () => {
    expect(prettyLogLine(record({ level: 50 }), true)).toContain('\x1b[31mERROR\x1b[0m');
    expect(prettyLogLine(record({ level: 50 }), false)).not.toContain('\x1b[');
  });

  it("prints an error's stack on the following lines, indented, and not as a field", () => {
    const line = prettyLogLine(record({ level: 50, err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' } }), false);
    expect(line).toBe('03:04:05.006 ERROR (exitmon): hello\n    Error: boom\n        at x\n');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(prettyLogLine('not json\n', true)).toBe('not json\n');
  });
});
