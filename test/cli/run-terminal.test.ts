// `exitmon run` on a real terminal (a pty made by test/fixtures/cli-pty.py):
// Ctrl-C and Ctrl-Z typed on the terminal, and an interactive shell with job
// control under exitmon.
import { spawn as nodeSpawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listProcesses, readProcessState } from '../../src/process/proc-stat.js';
import { isHeldStill } from '../../src/proc/liveness.js';
import { readProcStat } from '../../src/proc/stat.js';
import { spawn } from '../../src/process/spawn.js';
import { until } from '../helpers.js';
import { CLI, ensureBuilt, FIXTURES, ROOT } from './cli-process.js';

beforeAll(ensureBuilt, 120_000);

const PTY = join(FIXTURES, 'cli-pty.py');
const CTRL_C = '\x03';
const CTRL_Z = '\x1a';

// The native engine sets `child` only for node:child_process. Without the
// addon (EXITMON_NO_NATIVE=1) the command gets its own session (setsid), so it
// cannot hold exitmon's terminal: those tests run only with the native engine.
const nativeSpawn = (() => {
  const probe = spawn('true', [], { stdio: 'ignore' });
  void probe.exited.catch(() => undefined);
  return probe.child === undefined;
})();

/** exitmon running on its own pty. */
interface PtyRun {
  readonly child: ChildProcess;
  /** exitmon's pid (the pty's session leader). */
  readonly pid: Promise<number>;
  output: string;
  type(text: string): void;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The status exitmon exited with, as the fixture saw it. */
  readonly status: Promise<number>;
}

const runs = new Set<PtyRun>();

afterEach(async () => {
  for (const run of runs) {
    const pid = await run.pid.catch(() => undefined);
    for (const target of pid !== undefined ? [pid, ...descendants(pid)] : []) tryKill(target);
    run.child.kill('SIGKILL');
  }
  runs.clear();
});

// exitmon with args on a pty; with `argv`, that program instead.
function startOnPty(args: readonly string[], argv: readonly string[] = [process.execPath, CLI, ...args]): PtyRun {
  const child = nodeSpawn('python3', [PTY, ...argv], {
    cwd: ROOT,
    env: { ...process.env, PS1: '$ ', TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const run: PtyRun = {
    child,
    output: '',
    pid: undefined as never,
    status: undefined as never,
    type: (text) => void child.stdin!.write(text),
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = run.output.match(pattern);
          if (match === null) return;
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolve(match);
        };
        const timer = setTimeout(() => {
          child.stdout!.off('data', check);
          reject(new Error(`Timed out waiting for ${pattern}; got:\n${run.output}`));
        }, timeoutMs);
        child.stdout!.on('data', check);
        check();
      }),
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (run.output += chunk));
  Object.assign(run, {
    pid: run.waitFor(/pty-child=(\d+)/).then((m) => Number(m[1])),
    status: run.waitFor(/pty-exit=(\d+)/, 60_000).then((m) => Number(m[1])),
  });
  runs.add(run);
  return run;
}

function descendants(pid: number): number[] {
  const all = listProcesses();
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const p of all) if (p.ppid === parent) found.push(p.pid), walk(p.pid);
  };
  walk(pid);
  return found;
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

const UNSHARE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];
const unshareOk = spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'true']).status === 0;

describe('exitmon run on a terminal', () => {
  // As PID 1 of `unshare --pid --fork`, the terminal's foreground group is
  // outside the namespace (tcgetpgrp answers 0): exitmon kept the terminal
  // from its command, which a read then stopped (SIGTTIN) for good, with
  // exitmon hung as an init that cannot stop.
  it.skipIf(!nativeSpawn || !unshareOk)('as PID 1 of a pid namespace it hands the terminal to the command, as tini does', async () => {
    const run = startOnPty([], [...UNSHARE, process.execPath, CLI, 'run', '-q', '--', 'sh', '-c', 'echo ready; read x; echo got=$x; exit 5']);
    await run.waitFor(/ready/);
    run.type('hello\n');
    await run.waitFor(/got=hello/);
    expect(await run.status).toBe(5);
    expect(run.output).not.toMatch(/could not take the terminal back/);
  }, 30_000);

  // `docker run -it`: PID 1 leads the terminal's session, its group is 1.
  // Taking the terminal back was refused (EINVAL for group 1) with a warning
  // at every exit.
  it.skipIf(!nativeSpawn || !unshareOk)('as PID 1 leading the terminal session it takes the terminal back from its command (group 1)', async () => {
    const run = startOnPty([], [...UNSHARE, 'setsid', '-c', process.execPath, CLI, 'run', '-q', '--', 'sh', '-c', 'exit 3']);
    expect(await run.status).toBe(3);
    expect(run.output).not.toMatch(/could not take the terminal back/);
  }, 30_000);

  it('Ctrl-C reaches the command and exitmon exits with 130', async () => {
    const run = startOnPty(['run', '--format', 'json', '--', 'sh', '-c', 'echo ready; exec sleep 30']);
    await run.waitFor(/ready/);
    run.type(CTRL_C);
    expect(await run.status).toBe(130);
    expect(run.output).toMatch(/"role":"main","status":130,"code":null,"signal":"SIGINT"/);
  }, 30_000);

  // With the native engine the command holds the terminal and Ctrl-Z goes to
  // it alone: the test below covers that case.
  it.skipIf(nativeSpawn)('Ctrl-Z typed while exitmon holds the terminal is forwarded, then stops exitmon; SIGCONT resumes it', async () => {
    const run = startOnPty(['run', '--format', 'json', '--', 'python3', join(FIXTURES, 'cli-trap-signals.py'), 'SIGCONT', 'SIGTSTP']);
    const exitmon = await run.pid;
    await run.waitFor(/ready pid=(\d+)/);
    run.type(CTRL_Z);
    // The command catches SIGTSTP (it must see the stop request), exitmon stops.
    await run.waitFor(/got SIGTSTP/);
    await until(() => readProcessState(exitmon) === 'stopped', 10_000, 'exitmon stopped');
    process.kill(exitmon, 'SIGCONT');
    await run.waitFor(/got SIGCONT/);
    expect(readProcessState(exitmon)).not.toBe('stopped');
    run.type(CTRL_C);
    // The fixture does not trap SIGINT: it dies of it.
    expect(await run.status).toBe(130);
  }, 30_000);

  it.runIf(nativeSpawn)('Ctrl-Z stops a command that holds the terminal, then exitmon; SIGCONT resumes both (needs the native spawn engine)', async () => {
    const run = startOnPty(['run', '--format', 'json', '--', 'sh', '-c', 'echo ready; exec sleep 30']);
    const exitmon = await run.pid;
    await run.waitFor(/ready/);
    const command = descendants(exitmon)[0]!;
    run.type(CTRL_Z);
    await until(() => readProcessState(command) === 'stopped' && readProcessState(exitmon) === 'stopped', 10_000, 'both stopped');
    process.kill(exitmon, 'SIGCONT');
    await until(() => readProcessState(command) !== 'stopped' && readProcessState(exitmon) !== 'stopped', 10_000, 'both running');
    run.type(CTRL_C);
    expect(await run.status).toBe(130);
  }, 30_000);

  it.runIf(nativeSpawn)('an interactive shell under exitmon has job control and /dev/tty (needs the native spawn engine)', async () => {
    const run = startOnPty(['run', '--format', 'json', '--', 'bash', '--norc', '--noprofile', '-i']);
    await run.waitFor(/[#$] /); // bash's prompt (root's default ends in '# ')
    run.type('tty; echo via-dev-tty > /dev/tty; sleep 30 &\n');
    await run.waitFor(/\[1\] \d+/);
    run.type('jobs; kill %1; wait; exit 7\n');
    expect(await run.status).toBe(7);
    expect(run.output).toMatch(/\/dev\/pts\/\d+/);
    expect(run.output).toMatch(/via-dev-tty/);
    expect(run.output).toMatch(/\[1\]\+\s+Running\s+sleep 30 &/);
    expect(run.output).not.toMatch(/no job control/);
  }, 30_000);

  it.runIf(nativeSpawn)('under a job-control shell, Ctrl-Z stops the job, `fg` resumes it, Ctrl-C ends it with 130 (needs the native spawn engine)', async () => {
    const run = startOnPty([], ['bash', '--norc', '--noprofile', '-i']);
    await run.waitFor(/[#$] /);
    // The marker is computed, so the echo of the typed line does not match it:
    // a Ctrl-Z typed while bash still edits the line would be just a character.
    run.type(`"${process.execPath}" "${CLI}" run --quiet -- sh -c 'echo $((6*7))-started; exec sleep 30'\n`);
    await run.waitFor(/42-started/);
    run.type(CTRL_Z);
    await run.waitFor(/\[1\]\+\s+Stopped/);
    run.type('fg\n');
    // fg prints the job's command line again; then the job holds the terminal.
    await run.waitFor(/fg\r?\n.*run --quiet/);
    await new Promise((r) => setTimeout(r, 300));
    run.type(CTRL_C);
    run.type('echo status=$?; exit 0\n');
    await run.waitFor(/status=\d+/);
    expect(run.output).toMatch(/status=130/);
    expect(await run.status).toBe(0);
  }, 30_000);

  // Started with `&`, exitmon was not in the foreground, so it never armed the
  // hand-over: after `fg` its command stayed stopped on its terminal read.
  it.runIf(nativeSpawn)('started in the background, the job stops when the command reads the terminal, and after `fg` the command reads it (needs the native spawn engine)', async () => {
    const run = startOnPty([], ['bash', '--norc', '--noprofile', '-i']);
    await run.waitFor(/[#$] /);
    run.type(`"${process.execPath}" "${CLI}" run --quiet -- sh -c 'echo $((6*7))-reading; read x; echo got-$x; exit 4' &\n`);
    const exitmon = Number((await run.waitFor(/\[1\] (\d+)/))[1]);
    await run.waitFor(/42-reading/);
    // Its read stops the command (SIGTTIN), and exitmon with it, so the shell
    // sees the job stop (bash says so at its next prompt). The shell learns
    // of the stop only when every thread of exitmon has stopped (the kernel
    // notifies the parent when the group stop completes); an `fg` typed before
    // that finds the job still running, sends no SIGCONT, and then reports it
    // stopped: the main thread alone showing 'T' is not enough to go on.
    await until(() => {
      const stat = readProcStat(exitmon);
      return stat?.state === 'stopped' && isHeldStill(stat);
    }, 10_000, 'every thread of exitmon stopped');
    run.type('fg\n');
    await run.waitFor(/fg\r?\n.*run --quiet/);
    await new Promise((r) => setTimeout(r, 300));
    run.type('hello\n');
    await run.waitFor(/got-hello/);
    run.type('echo status=$?; exit 0\n');
    await run.waitFor(/status=\d+/);
    expect(run.output).toMatch(/status=4/);
    expect(await run.status).toBe(0);
  }, 30_000);

  // Node 20 restores the terminal modes at exit and aborted (134, an
  // assertion in ResetStdio) when the terminal had hung up meanwhile.
  it('when its terminal hangs up, exitmon exits with the status of its command (129), not an abort', async () => {
    const hangup = spawnSync('python3', [join(FIXTURES, 'cli-hangup.py'), process.execPath, CLI, 'run', '-q', '--', 'sh', '-c', 'echo ready; exec sleep 30'], { encoding: 'utf8', timeout: 30_000 });
    expect(hangup.stdout.trim(), hangup.stderr).toBe('exit=129');
  }, 40_000);

  it.runIf(nativeSpawn)('gives the terminal back to its own group when the command exits (needs the native spawn engine)', async () => {
    // A shell without job control leads the pty and runs exitmon in its own
    // group: its `read` after exitmon works only if exitmon took the
    // terminal back from the command's (dead) group.
    const script = `"${process.execPath}" "${CLI}" run --quiet -- sh -c 'echo started'; read x; echo got-$x`;
    const run = startOnPty([], ['sh', '-c', script]);
    await run.waitFor(/started/);
    run.type('hello\n');
    expect(await run.status).toBe(0);
    expect(run.output).toMatch(/got-hello/);
  }, 30_000);
});
