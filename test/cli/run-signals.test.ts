// `exitmon run` and signals, without a terminal: every catchable signal
// reaches the command's handler and none kills exitmon; stop signals stop the
// group and exitmon; signals ignored at start stay ignored (nohup); the grace
// applies only to what the command left behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from '../../src/process/spawn.js';
import { listProcesses, readProcessState } from '../../src/process/proc-stat.js';
import { until } from '../helpers.js';
import { ensureBuilt, FIXTURES, isAlive, startCli, stopAllClis, type CliRun } from './cli-process.js';

beforeAll(ensureBuilt, 120_000);
afterEach(stopAllClis);

const TRAP = join(FIXTURES, 'cli-trap-signals.py');
// Everything the contract lists as forwarded, except the stop signals (they
// have their own test) and SIGTERM (it ends the fixture).
const NAMED = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM', 'SIGPIPE', 'SIGURG', 'SIGXCPU',
  'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSTKFLT', 'SIGCONT',
] as const;
// glibc's SIGRTMIN is 34 (it keeps 32 and 33 for itself), SIGRTMAX 64.
const SIGRTMIN = 34;
const REALTIME = [0, 1, 15, 30] as const;

// The native engine sets `child` only for node:child_process.
const nativeSpawn = (() => {
  const probe = spawn('true', [], { stdio: 'ignore' });
  void probe.exited.catch(() => undefined);
  return probe.child === undefined;
})();

// Bits of the SigIgn mask of /proc/<pid>/status, as signal numbers.
function ignoredSignals(pid: number): number[] {
  const hex = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  const mask = BigInt(`0x${hex}`);
  return Array.from({ length: 64 }, (_, i) => i + 1).filter((n) => (mask & (1n << BigInt(n - 1))) !== 0n);
}

// Whether pid has a handler for signal n (SigCgt of /proc/<pid>/status).
function caught(pid: number, n: number): boolean {
  try {
    const hex = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
    return (BigInt(`0x${hex}`) & (1n << BigInt(n - 1))) !== 0n;
  } catch {
    return false;
  }
}

async function readyPid(cli: CliRun): Promise<number> {
  return Number((await cli.waitFor('stdout', /ready pid=(\d+)/))[1]);
}

describe('exitmon run forwards signals', () => {
  it("forwards every named catchable signal to the command's handler and survives each one", async () => {
    const cli = startCli(['run', '--', 'python3', TRAP, ...NAMED]);
    await readyPid(cli);
    for (const signal of NAMED) {
      process.kill(cli.pid, signal);
      await cli.waitFor('stdout', new RegExp(`got ${signal}\\n`));
      expect(isAlive(cli.pid)).toBe(true);
    }
    process.kill(cli.pid, 'SIGTERM');
    const { status, stderr } = await cli.done;
    expect(status).toBe(0);
    expect(stderr).toMatch(/forwarded SIGALRM to process group/);
  }, 30_000);

  it("forwards real-time signals to the command's handler", async () => {
    const cli = startCli(['run', '--', 'python3', TRAP, ...REALTIME.map((n) => `RT+${n}`)]);
    await readyPid(cli);
    for (const n of REALTIME) {
      process.kill(cli.pid, SIGRTMIN + n);
      await cli.waitFor('stdout', new RegExp(`got RT\\+${n}\\n`));
    }
    process.kill(cli.pid, 'SIGTERM');
    expect((await cli.done).status).toBe(0);
  }, 30_000);

  it('a signal sent as soon as exitmon catches it, while the command starts, still reaches the command', async () => {
    // The command sleeps before it can say anything: SIGUSR2 is sent as soon
    // as exitmon catches it, which is before or just after the command starts.
    const cli = startCli(['run', '--', 'sh', '-c', 'sleep 30']);
    await until(() => caught(cli.pid, 12), 10_000, 'SIGUSR2 handler installed');
    process.kill(cli.pid, 'SIGUSR2');
    expect((await cli.done).status).toBe(128 + 12);
  }, 30_000);

  it.each(['SIGTSTP', 'SIGTTIN', 'SIGTTOU'] as const)("%s is forwarded to the command's handler, then stops exitmon; SIGCONT continues it", async (signal) => {
    const cli = startCli(['run', '--', 'python3', TRAP, signal, 'SIGCONT']);
    await readyPid(cli);
    process.kill(cli.pid, signal);
    await cli.waitFor('stdout', new RegExp(`got ${signal}\\n`));
    await until(() => readProcessState(cli.pid) === 'stopped', 10_000, 'exitmon stopped');
    process.kill(cli.pid, 'SIGCONT');
    await cli.waitFor('stdout', /got SIGCONT\n/);
    expect(readProcessState(cli.pid)).not.toBe('stopped');
    process.kill(cli.pid, 'SIGTERM');
    expect((await cli.done).status).toBe(0);
  }, 30_000);

  // Before the merge with the native engine the command has its own session:
  // an orphaned process group, which the kernel does not stop on SIGTSTP.
  it.runIf(nativeSpawn)('SIGTSTP stops a command that does not catch it and exitmon; SIGCONT continues both', async () => {
    const cli = startCli(['run', '--', 'sh', '-c', 'echo ready; exec sleep 30']);
    await cli.waitFor('stdout', /ready/);
    await until(() => commandOf(cli.pid) !== undefined, 10_000, 'the command');
    const command = commandOf(cli.pid)!;
    process.kill(cli.pid, 'SIGTSTP');
    await until(() => readProcessState(cli.pid) === 'stopped' && readProcessState(command) === 'stopped', 10_000, 'both stopped');
    process.kill(cli.pid, 'SIGCONT');
    await until(() => readProcessState(cli.pid) !== 'stopped' && readProcessState(command) !== 'stopped', 10_000, 'both running');
    process.kill(cli.pid, 'SIGTERM');
    expect((await cli.done).status).toBe(143);
  }, 30_000);
});

describe('exitmon run and signals ignored at start', () => {
  // `nohup exitmon run …`: through the launcher line of dist/cli/main.js, as an installed bin runs.
  const startNohup = (args: readonly string[]): CliRun => startCli(args, { prefix: ['nohup'], viaLauncher: true });

  it('under nohup, SIGHUP kills neither exitmon nor the command and is not forwarded', async () => {
    const cli = startNohup(['run', '--', 'python3', TRAP, 'SIGHUP', 'SIGUSR1']);
    const command = await readyPid(cli);
    process.kill(cli.pid, 'SIGHUP');
    process.kill(cli.pid, 'SIGUSR1');
    await cli.waitFor('stdout', /got SIGUSR1/);
    expect(cli.stdout).not.toMatch(/got SIGHUP/);
    expect(isAlive(cli.pid)).toBe(true);
    expect(isAlive(command)).toBe(true);
    process.kill(cli.pid, 'SIGTERM');
    expect((await cli.done).status).toBe(0);
  }, 30_000);

  it.runIf(nativeSpawn)('the command inherits the SIG_IGN of signals ignored at start (needs the native spawn engine)', async () => {
    const cli = startNohup(['run', '--', 'sh', '-c', 'echo ready; exec sleep 30']);
    await cli.waitFor('stdout', /ready/);
    await until(() => commandOf(cli.pid) !== undefined, 10_000, 'the command');
    expect(ignoredSignals(commandOf(cli.pid)!)).toContain(1);
    process.kill(cli.pid, 'SIGTERM');
    expect((await cli.done).status).toBe(143);
  }, 30_000);
});

describe('exitmon run at the end of the command', () => {
  it('exits at once when nothing of the group is left, without waiting for --grace', async () => {
    const started = Date.now();
    const cli = startCli(['run', '--grace', '20s', '--', 'sh', '-c', 'exit 4']);
    expect((await cli.done).status).toBe(4);
    // A liveness bound, far below the grace: the grace did not apply.
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('gives a member left behind the grace, then SIGKILL, and still exits with the command status', async () => {
    const script = "sh -c 'trap \"\" TERM; echo lingering=$$; exec sleep 30' & sleep 0.3; exit 6";
    const cli = startCli(['run', '--grace', '300ms', '--', 'sh', '-c', script]);
    const { status, stdout } = await cli.done;
    expect(status).toBe(6);
    const lingering = Number(/lingering=(\d+)/.exec(stdout)?.[1]);
    expect(lingering).toBeGreaterThan(1);
    expect(isAlive(lingering)).toBe(false);
  }, 30_000);
});

// The pid of exitmon's child (the command), from /proc.
function commandOf(cliPid: number): number | undefined {
  return listProcesses().find((p) => p.ppid === cliPid && p.state !== 'zombie')?.pid;
}
