// Runs the built CLI (node dist/cli/main.js) as a subprocess, the way users
// run it. Builds once when dist/ is missing or older than src/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const FIXTURES = join(ROOT, 'test/fixtures');

const BUILD_LOCK = join(tmpdir(), 'exitmon-cli-test-build.lock');
const BUILD_LOCK_STALE_MS = 120_000;

// Newest modification time under dir, recursively.
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  return !existsSync(CLI) || statSync(CLI).mtimeMs < newestMtime(join(ROOT, 'src'));
}

// `npm run build` when dist is missing or stale. CI builds in pretest, so
// this normally does nothing; the lock keeps parallel test files from
// building over each other (tsup cleans dist/ first).
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      try {
        if (Date.now() - statSync(BUILD_LOCK).mtimeMs > BUILD_LOCK_STALE_MS) rmdirSync(BUILD_LOCK);
      } catch {
        // Released meanwhile.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (!isStale()) return;
    const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}\n${built.stderr}`);
  } finally {
    rmdirSync(BUILD_LOCK);
  }
}

/** A running CLI process with its output collected. */
export interface CliRun {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout: string;
  stderr: string;
  /** Resolves when it exits: status, or 128 + n when it died of signal n (like a shell). */
  readonly done: Promise<{ status: number; stdout: string; stderr: string }>;
  /** Waits until `pattern` appears in the output; rejects after `timeoutMs`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

// A prefix that starts a helper exiting 9 after 0.2 s, then execs the rest of
// argv (the CLI) in its place: the CLI inherits the helper as a child it did
// not start (`helper & exec exitmon run …` in an entrypoint script).
const INHERIT_HELPER = ['sh', '-c', '(sleep 0.2; exit 9) & echo "helper=$!"; exec "$0" "$@"'];

/**
 * Runs `exitmon run -- sh -c 'sleep 0.6; exit 3'` behind `prefix` and
 * INHERIT_HELPER and checks that the inherited helper was reaped as an orphan
 * with its status, and that nothing was left to settle. Before: never reaped
 * (owner unknown), a zombie until the end, then 3 s of settling.
 */
export async function expectInheritedChildReaped(prefix: readonly string[] = []): Promise<void> {
  const { status, stdout, stderr } = await runCli(['run', '--', 'sh', '-c', 'sleep 0.6; exit 3'], { prefix: [...prefix, ...INHERIT_HELPER] });
  expect(status).toBe(3);
  const helper = Number(/helper=(\d+)/.exec(stdout)?.[1]);
  expect(exitLines(stdout)).toEqual([
    expect.objectContaining({ pid: helper, role: 'orphan', status: 9, outcome: 'reaped' }),
    expect.objectContaining({ role: 'main', status: 3 }),
  ]);
  expect(stderr).not.toMatch(/zombie\(s\) left/);
}

const running = new Set<CliRun>();
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

// Starts `node dist/cli/main.js ...args` (or `prefix... node dist/cli/main.js`;
// with `viaLauncher`, `prefix... dist/cli/main.js`: its sh launcher line runs node).
export function startCli(
  args: readonly string[],
  options: { prefix?: readonly string[]; env?: NodeJS.ProcessEnv; viaLauncher?: boolean } = {},
): CliRun {
  const argv = [...(options.prefix ?? []), ...(options.viaLauncher === true ? [] : [process.execPath]), CLI, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: CliRun = {
    child,
    pid: child.pid!,
    stdout: '',
    stderr: '',
    done: new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        running.delete(run);
        resolve({ status: code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0), stdout: run.stdout, stderr: run.stderr });
      });
    }),
    waitFor(stream, pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const match = run[stream].match(pattern);
          if (match === null) return false;
          clearTimeout(timer);
          child[stream]!.off('data', check);
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          child[stream]!.off('data', check);
          // The other stream too: why a service or the command failed is often there.
          const other = stream === 'stdout' ? 'stderr' : 'stdout';
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${pattern} on ${stream}; got:\n${run[stream]}\n${other}:\n${run[other].slice(-4000)}`));
        }, timeoutMs);
        // Our own 'data' listeners below run first (registered earlier), so
        // run[stream] already holds the chunk when check runs.
        if (!check()) child[stream]!.on('data', check);
      });
    },
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (run.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (run.stderr += chunk));
  running.add(run);
  return run;
}

// Runs the CLI to its end.
export function runCli(args: readonly string[], options: { prefix?: readonly string[]; env?: NodeJS.ProcessEnv } = {}) {
  return startCli(args, options).done;
}

// Stops every CLI still running: SIGTERM first (exitmon forwards it and stops
// its command's group), SIGKILL if it does not end in time.
export async function stopAllClis(): Promise<void> {
  await Promise.all(
    [...running].map(async (run) => {
      run.child.kill('SIGTERM');
      const timer = setTimeout(() => run.child.kill('SIGKILL'), 5000);
      await run.done.catch(() => undefined);
      clearTimeout(timer);
    }),
  );
}

/** One exit line of `--format json` output. */
export interface ExitLine {
  type: 'exit';
  pid: number;
  role: string;
  status: number;
  code: number | null;
  signal: string | null;
  outcome: string;
  execId?: string;
  command?: string[];
}

// The JSON records in stdout (other lines, e.g. the command's own, skipped).
export function jsonRecords(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function exitLines(stdout: string): ExitLine[] {
  return jsonRecords(stdout).filter((r) => r.type === 'exit') as unknown as ExitLine[];
}

// True while pid exists and is not a zombie (reads /proc; never reaps).
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
