// The CLI's parsers and formatters, in-process (no subprocess needed).
import { describe, expect, it } from 'vitest';
import { DEFAULT_GRACE_MS, parseInvocation, UsageError } from '../../src/cli/args.js';
import { formatDuration, parseDuration } from '../../src/cli/duration.js';
import { formatExitJson, formatExitPretty } from '../../src/cli/format.js';
import { parseListenAddress } from '../../src/cli/listen-address.js';
import type { ExitEvent } from '../../src/index.js';

describe('parseDuration', () => {
  it.each([
    ['300ms', 300],
    ['2s', 2000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['1m', 60_000],
    ['5', 5000], // a plain number is seconds, like docker stop -t
    ['0', 0],
    ['0ms', 0],
    // The grammar of a services file, so a stopGrace can move to --grace as it is.
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h 30m', 5_400_000],
    ['596h', 596 * 3_600_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '-1s', '1 x', '1e3', 'ms', '25d', '999999999s', '597h', '2147484s', '2147484'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats durations for people', () => {
    expect([formatDuration(850), formatDuration(1200), formatDuration(123_000)]).toEqual(['850ms', '1.20s', '2m03s']);
  });
});

describe('parseListenAddress', () => {
  it('defaults to loopback', () => expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 }));
  it('takes HOST:PORT and [IPv6]:PORT', () => {
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
  });
  it.each(['', 'abc', '65536', '-1', ':9464', '::1:9464', 'host:', 'host:12x'])('rejects %j', (text) => {
    expect(parseListenAddress(text)).toBeUndefined();
  });
});

describe('parseInvocation', () => {
  it('splits run options from the command at `--` or at the first positional', () => {
    const withDashes = parseInvocation(['run', '--grace', '2s', '--', 'sh', '-c', 'exit 3'], false);
    const without = parseInvocation(['run', '--grace', '2s', 'sh', '-c', 'exit 3'], false);
    expect(withDashes).toEqual(without);
    expect(withDashes).toMatchObject({ kind: 'run', graceMs: 2000, subreaper: true, command: 'sh', args: ['-c', 'exit 3'] });
  });

  it('picks pretty on a TTY and JSON lines otherwise', () => {
    expect(parseInvocation(['demo'], true)).toMatchObject({ common: { format: 'pretty' } });
    expect(parseInvocation(['demo'], false)).toMatchObject({ common: { format: 'json' } });
    expect(parseInvocation(['demo', '--format', 'pretty'], false)).toMatchObject({ common: { format: 'pretty' } });
  });

  it('defaults --grace to 5s and honours --no-subreaper', () => {
    expect(parseInvocation(['run', '--no-subreaper', 'true'], false)).toMatchObject({ graceMs: DEFAULT_GRACE_MS, subreaper: false });
    expect(DEFAULT_GRACE_MS).toBe(5000);
  });

  it('deduplicates watched pids', () => {
    expect(parseInvocation(['watch', '12', '12', '13'], false)).toMatchObject({ pids: [12, 13] });
  });

  it('names the option whose value is missing, also when the next word starts with a dash', () => {
    expect(() => parseInvocation(['run', '--metrics', '--', 'true'], false)).toThrow(/^missing value for --metrics /);
    expect(() => parseInvocation(['run', '--grace'], false)).toThrow(/^missing value for --grace /);
    expect(() => parseInvocation(['up', '-f'], false)).toThrow(/^missing value for --file /);
  });

  // The last -f won silently, leaving out the services of the first file.
  it('up takes one -f: a second is a usage error, not a silent replacement', () => {
    expect(parseInvocation(['up', '-f', 'a.yaml'], false)).toMatchObject({ kind: 'up', file: 'a.yaml' });
    expect(() => parseInvocation(['up', '-f', 'a.yaml', '-f', 'b.yaml'], false)).toThrow(/^-f given 2 times: exitmon up reads one services file/);
  });

  it('throws UsageError for bad usage', () => {
    expect(() => parseInvocation(['run'], false)).toThrow(UsageError);
    expect(() => parseInvocation(['watch', '1.5'], false)).toThrow(/invalid pid/);
  });
});

describe('exit lines', () => {
  const event: ExitEvent = {
    seq: 7,
    pid: 4242,
    code: null,
    signal: 'SIGKILL',
    status: 137,
    coreDumped: false,
    outcome: 'reaped',
    timestamp: 10_000,
  };

  it('pretty: one line with pid, role, status, signal and outcome', () => {
    expect(formatExitPretty(event, { role: 'orphan' })).toBe('exit pid=4242 orphan  status=137 signal=SIGKILL outcome=reaped');
    expect(formatExitPretty({ ...event, signal: null, code: 3, status: 3, outcome: 'observed', execId: 'job' }, { role: 'main', command: ['sh', '-c', 'exit 3'], startedAt: 8800 })).toBe(
      "exit pid=4242 main    status=3   code=3 outcome=observed exec=job after=1.20s sh -c 'exit 3'",
    );
    expect(formatExitPretty({ ...event, signal: null, status: -1, outcome: 'unknown' }, { role: 'watched' })).toBe('exit pid=4242 watched status=?   outcome=unknown');
  });

  it('pretty: a command with a newline or an escape stays on one line, in bash $\'…\' quoting', () => {
    const line = formatExitPretty(event, { role: 'main', command: ['sh', '-c', "true\nexit 3", "it's\x1b[31mred"] });
    expect(line).not.toMatch(/[\x00-\x1f]/);
    expect(line).toMatch(/ sh -c \$'true\\nexit 3' \$'it\\'s\\x1b\[31mred'$/);
  });

  it('pretty: an exec or container id with a newline or an escape cannot forge a second line', () => {
    const line = formatExitPretty({ ...event, execId: 'job\nexit pid=1 FAKE', containerId: 'c\x1b[2J' }, { role: 'main' });
    expect(line).not.toMatch(/[\x00-\x1f]/);
    expect(line).toContain("exec=$'job\\nexit pid=1 FAKE' container=$'c\\x1b[2J'");
  });

  it('json: one object per line without absent fields', () => {
    const line = formatExitJson(event, { role: 'orphan' });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ type: 'exit', seq: 7, pid: 4242, role: 'orphan', status: 137, code: null, signal: 'SIGKILL', coreDumped: false, outcome: 'reaped', timestamp: 10_000 });
  });
});
