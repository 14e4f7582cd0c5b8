// `exitmon watch PID…` on processes it did not start.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, exitLines, runCli, startCli, stopAllClis } from './cli-process.js';

beforeAll(ensureBuilt, 120_000);

// Sleepers outlive exitmon's start-up; the tests end them once it watches.
const SLEEP_SECONDS = '30';
const sleepers: ChildProcess[] = [];
afterEach(async () => {
  for (const s of sleepers.splice(0)) s.kill('SIGKILL');
  await stopAllClis();
});

// A `sleep` child of the test process: for exitmon, a pid it does not own.
function startSleeper(): ChildProcess {
  const child = spawn('sleep', [SLEEP_SECONDS]);
  sleepers.push(child);
  return child;
}

// A pid no process has now (searched down from pid_max).
function unusedPid(): number {
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  for (let pid = max - 1; pid > 1; pid--) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no unused pid');
}

describe('exitmon watch', () => {
  it("prints the exit of a live pid it does not own ('unknown') and ends with 0", async () => {
    const sleeper = startSleeper();
    const cli = startCli(['watch', '--verbose', String(sleeper.pid)]);
    await cli.waitFor('stderr', /watching/);
    sleeper.kill();
    const { status, stdout } = await cli.done;
    expect(status).toBe(0);
    expect(exitLines(stdout)).toEqual([expect.objectContaining({ pid: sleeper.pid, role: 'watched', outcome: 'unknown', status: -1 })]);
  });

  it('under nohup, a SIGHUP does not end it: the exit still comes (a plain SIGHUP ends it with 129)', async () => {
    const sleeper = startSleeper();
    // Through the launcher line, as an installed bin runs: Node itself forgets an inherited SIG_IGN.
    const kept = startCli(['watch', '--verbose', String(sleeper.pid)], { prefix: ['nohup'], viaLauncher: true });
    const plain = startCli(['watch', '--verbose', String(sleeper.pid)], { viaLauncher: true });
    await kept.waitFor('stderr', /watching/);
    await plain.waitFor('stderr', /watching/);
    process.kill(kept.pid, 'SIGHUP');
    process.kill(plain.pid, 'SIGHUP');
    expect((await plain.done).status).toBe(129);
    sleeper.kill();
    const { status, stdout } = await kept.done;
    expect(status).toBe(0);
    expect(exitLines(stdout)).toEqual([expect.objectContaining({ pid: sleeper.pid, outcome: 'unknown' })]);
  });

  it('more pids than free fds: polls the rest and reports every exit, its warnings logged even with no fd left for pino', async () => {
    const shortLived = Array.from({ length: 80 }, () => {
      const child = spawn('sleep', ['2']);
      sleepers.push(child);
      return child.pid!;
    });
    // With 64 fds, node and its pidfds leave none for loading pino at the first warning.
    const { status, stdout, stderr } = await runCli(['watch', ...shortLived.map(String)], { prefix: ['sh', '-c', 'ulimit -n 64; exec "$0" "$@"'] });
    // Before: "internal error: EMFILE … pino.cjs", status 1, no exit line.
    expect(stderr).not.toMatch(/internal error/);
    expect(status).toBe(0);
    expect(new Set(exitLines(stdout).map((l) => l.pid))).toEqual(new Set(shortLived));
    expect(stderr).toMatch(/no pidfd to spare; polling this pid instead/);
  });

  it('reports a pid that does not exist on stderr, still watches the others, and exits 1', async () => {
    const sleeper = startSleeper();
    const missing = unusedPid();
    const cli = startCli(['watch', '--verbose', String(missing), String(sleeper.pid)]);
    await cli.waitFor('stderr', /watching/);
    sleeper.kill();
    const { status, stdout, stderr } = await cli.done;
    expect(status).toBe(1);
    expect(stderr).toContain(`cannot watch ${missing}: no such process`);
    expect(exitLines(stdout).map((l) => l.pid)).toEqual([sleeper.pid]);
  });

  it('names the process when given one of its threads, and exits 1', async () => {
    // A thread of this test process (node always runs a few): /proc/<tid> exists, pidfd_open refuses it.
    const tid = Number(readdirSync('/proc/self/task').find((t) => Number(t) !== process.pid));
    const { status, stdout, stderr } = await runCli(['watch', String(tid)]);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`cannot watch ${tid}: it is a thread of process ${process.pid} (watch ${process.pid} instead)`);
  });

  it('ends only when every pid is gone', async () => {
    const first = startSleeper();
    const second = startSleeper();
    const cli = startCli(['watch', '--verbose', String(second.pid), String(first.pid)]);
    await cli.waitFor('stderr', /watching/);
    first.kill();
    await cli.waitFor('stdout', new RegExp(`"pid":${first.pid}`));
    await new Promise((r) => setTimeout(r, 300));
    expect(cli.child.exitCode).toBeNull(); // still waiting for the second
    second.kill();
    const { status, stdout } = await cli.done;
    expect(status).toBe(0);
    expect(exitLines(stdout).map((l) => l.pid)).toEqual([first.pid, second.pid]);
  });

  it('exits 1 at once when no pid can be watched', async () => {
    const { status, stdout, stderr } = await runCli(['watch', String(unusedPid())]);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/no such process/);
  });
});
