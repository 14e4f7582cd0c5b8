// Bad usage exits 2 with a short usage on stderr; --help and --version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runCli } from './cli-process.js';

beforeAll(ensureBuilt, 120_000);

const BAD_USAGE: readonly (readonly string[])[] = [
  [],
  ['frobnicate'],
  ['--bogus'],
  ['run'],
  ['run', '--'],
  ['run', '--grace', '1s'],
  ['run', '--bogus', '--', 'true'],
  ['run', '--grace', 'soon', '--', 'true'],
  ['run', '--grace', '-1s', '--', 'true'],
  ['run', '--grace=5d', '--', 'true'],
  ['run', '--metrics', '99999', '--', 'true'],
  ['run', '--metrics', 'localhost:http', '--', 'true'],
  ['run', '--metrics', '::1:9100', '--', 'true'],
  ['run', '--metrics'],
  ['run', '--format', 'xml', '--', 'true'],
  ['run', '--exec-id', '', '--', 'true'],
  ['watch'],
  ['watch', 'abc'],
  ['watch', '0'],
  ['watch', '-5'],
  ['watch', '--grace', '1s', '1'],
  ['demo', 'extra'],
  ['help', 'frobnicate'],
];

describe('bad usage', () => {
  it.each(BAD_USAGE.map((args) => [args.join(' ') || '(no arguments)', args] as const))('%s exits 2 with a usage on stderr', async (_, args) => {
    const { status, stdout, stderr } = await runCli(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^exitmon: .+\nUsage:\n/);
  });
});

describe('--help and --version', () => {
  it('--version prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { status, stdout } = await runCli(['--version']);
    expect(status).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it.each([['--help'], ['-h'], ['help', 'run'], ['run', '--help'], ['watch', '-h'], ['demo', '--help']])('%s prints help on stdout', async (...args) => {
    const { status, stdout, stderr } = await runCli(args);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/Usage|exitmon run/);
  });
});
