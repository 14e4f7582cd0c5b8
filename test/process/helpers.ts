// Shared by the process tests: start fixture programs, remember every process
// they report, and kill all of it after each test whatever the outcome.
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readProcessState } from '../../src/process/proc-stat.js';

export const isLinux = process.platform === 'linux';
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const started = new Set<number>();
const groups = new Set<number>();

// Remembers pids (and the groups they lead) for killAll.
export function track(pids: Iterable<number>, { asGroups = false } = {}): void {
  for (const pid of pids) {
    if (pid > 1 && pid !== process.pid) started.add(pid);
    if (asGroups && pid > 1 && pid !== process.pid) groups.add(pid);
  }
}

// SIGKILLs everything tracked: for afterEach. Never throws.
export function killAll(): void {
  for (const pgid of groups) tryKill(-pgid);
  for (const pid of started) tryKill(pid);
  groups.clear();
  started.clear();
}

// SIGKILL that ignores ESRCH (already gone).
function tryKill(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** What process-group.mjs prints once all its members are ready. */
export interface GroupFixture {
  child: ChildProcess;
  leader: number;
  members: number[];
  escaped: number[];
}

// Starts test/fixtures/process-group.mjs as the leader of a new group and
// resolves once it reports its members.
export function startGroup(args: string[] = []): Promise<GroupFixture> {
  const child = nodeSpawn(process.execPath, [fixture('process-group.mjs'), ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.pid !== undefined) track([child.pid], { asGroups: true });
  return new Promise((resolve, reject) => {
    let text = '';
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`fixture exited early: ${code ?? signal}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (!text.includes('\n') || line === undefined) return;
      const report = JSON.parse(line) as Omit<GroupFixture, 'child'>;
      track([...report.members, ...report.escaped]);
      track(report.escaped, { asGroups: true });
      resolve({ child, ...report });
    });
  });
}

// True when the process is gone or has exited (a zombie awaiting its parent).
export function isGone(pid: number): boolean {
  const state = readProcessState(pid);
  return state === null || state === 'zombie' || state === 'dead';
}

// Polls until `check` holds; generous bounds only (liveness, not speed).
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Returns a function that resolves with each next line a child prints on stdout.
export function lineReader(child: ChildProcess): () => Promise<string> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return () => {
    const line = lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
}
