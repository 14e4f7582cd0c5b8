// `exitmon run`, end to end through the built CLI.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, exitLines, FIXTURES, expectInheritedChildReaped, isAlive, runCli, startCli, stopAllClis } from './cli-process.js';

beforeAll(ensureBuilt, 120_000);
afterEach(stopAllClis);

describe('exitmon run', () => {
  it('exits with the status of the command and prints its exit line', async () => {
    const { status, stdout } = await runCli(['run', '--', 'sh', '-c', 'exit 3']);
    expect(status).toBe(3);
    const [main, ...rest] = exitLines(stdout);
    expect(rest).toEqual([]);
    expect(main).toMatchObject({ role: 'main', status: 3, code: 3, signal: null, command: ['sh', '-c', 'exit 3'] });
  });

  // exitmon printed through process.stdout, and creating that stream over a
  // pipe made the runtime set O_NONBLOCK on the file description the command
  // shares: a command writing faster than its reader failed with EAGAIN
  // (head lost all but 64 KiB). Also after exit lines and log lines.
  it("leaves the command's stdout and stderr pipes blocking, as tini does", async () => {
    const { status, stdout } = await runCli(['run', '--', 'sh', '-c', 'sleep 0.2; grep -h flags /proc/self/fdinfo/1 /proc/self/fdinfo/2; head -c 300000 /dev/zero | wc -c']);
    expect(status).toBe(0);
    const flags = [...stdout.matchAll(/^flags:\s+(\d+)$/gm)].map((m) => parseInt(m[1]!, 8));
    expect(flags).toHaveLength(2);
    for (const f of flags) expect(f & 0o4000).toBe(0); // O_NONBLOCK
    expect(stdout).toMatch(/^300000$/m);
  });

  // Runs a bash script with the CLI as "$CLI"; resolves with its stdout.
  const bash = (script: string): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('bash', ['-c', script], { env: { ...process.env, CLI: `${process.execPath} ${CLI}` }, timeout: 20_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
    });

  // The kernel raises SIGPIPE (SIGXFSZ) in exitmon for its own write; its
  // forwarder sent it on to the command's group, which died of it (141).
  it('an exit line written to a reader that went away costs the line, not the command (its SIGPIPE is not forwarded)', async () => {
    const out = await bash(`$CLI run -- sh -c '(sleep 0.2 &); sleep 0.8; exit 3' 2>/dev/null | true; echo "rc=\${PIPESTATUS[0]}"`);
    expect(out.trim()).toBe('rc=3');
  });

  it('an exit line over the file-size limit costs the line, not the command (its SIGXFSZ is not forwarded)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitmon-fsize-'));
    try {
      const file = join(dir, 'out');
      await writeFile(file, 'x'.repeat(2000));
      const out = await bash(`ulimit -f 2; $CLI run -- sh -c 'trap "echo got XFSZ; exit 9" XFSZ; (sleep 0.2 &); sleep 0.8; exit 3' >>${file} 2>/dev/null; echo "rc=$?"`);
      expect(out.trim()).toBe('rc=3');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a stderr that cannot take log lines (a full disk) costs the lines, not the status: still the command\'s', async () => {
    expect((await bash(`$CLI run --grace 100ms -- sh -c 'sleep 5 & exit 3' >/dev/null 2>/dev/full; echo "rc=$?"`)).trim()).toBe('rc=3');
    expect((await bash(`$CLI run -- /nonexistent/command 2>/dev/full; echo "rc=$?"`)).trim()).toBe('rc=127');
  });

  // Node marks inherited fds 3-15 close-on-exec at start: the command got
  // none of them (socket activation's LISTEN_FDS, `cmd 3<file`). The bin's
  // launcher line records them; run hands each over at its own number.
  it('hands the fds it inherited to the command at the same numbers, and none of its own, as tini does (run through the bin)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitmon-fds-'));
    try {
      const file = join(dir, 'in');
      await writeFile(file, 'from-fd\n');
      const script = 'cat <&3; cat <&7; for n in 4 5 6; do [ -e /proc/self/fd/$n ] && echo "fd $n leaked"; done; exit 0';
      const out = await bash(`"${CLI}" run -q -- sh -c '${script}' 3<${file} 7<${file} 4<&- 5<&- 6<&-; echo "rc=$?"`);
      expect(out).toBe('from-fd\nfrom-fd\nrc=0\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("hands NODE_OPTIONS to the command only: exitmon's own node does not take it (run through the bin)", async () => {
    const preload = join(FIXTURES, 'cli-preload.cjs');
    const app = `node -e 'console.log("app", process.pid, process.env.NODE_OPTIONS)'`;
    const out = await bash(`NODE_OPTIONS="--require ${preload}" "${CLI}" run -q -- ${app} 2>&1; echo "rc=$?"`);
    const appPid = /^app (\d+) --require /m.exec(out)?.[1];
    expect(appPid, out).toBeDefined();
    // Before: the preload ran twice, once in exitmon.
    expect(out.match(/^preload in \d+$/gm), out).toEqual([`preload in ${appPid}`]);
    expect(out).toMatch(/rc=0\n$/);
    // Unset stays unset for the command.
    expect(await bash(`unset NODE_OPTIONS; "${CLI}" run -q -- sh -c 'echo "\${NODE_OPTIONS-unset}"'`)).toBe('unset\n');
  });

  // Node (Bun, Deno) raises its soft open-files limit to the hard one at
  // start; the command inherited that (1024 became the hard limit), where tini
  // passes the caller's on. The launcher line records it first.
  it('hands the command the open-files limit exitmon was started with, not the one its runtime raised (run through the bin)', async () => {
    const hard = Number((await bash('ulimit -Hn')).trim());
    const soft = Math.min(1000, hard - 1);
    expect(await bash(`ulimit -Sn ${soft}; "${CLI}" run -q -- sh -c 'ulimit -Sn'`)).toBe(`${soft}\n`);
    // Without the launcher nothing was recorded: node's raised limit, as node:child_process gives it.
    expect(await bash(`ulimit -Sn ${soft}; $CLI run -q -- sh -c 'ulimit -Sn'`)).toBe(`${hard}\n`);
  });

  it("passes none of exitmon's own fds: not the launcher's script (dash holds it when fds 3-9 are taken), not from a stale EXITMON_START_FDS", async () => {
    const list = `sh -c 'for f in /proc/self/fd/*; do readlink $f; done; true'`;
    const taken = await bash(`exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null; "${CLI}" run -q -- ${list}`);
    expect(taken).not.toContain('main.js');
    // Without the launcher (node runs the file): a variable from elsewhere names node's own fds.
    const stale = await bash(`EXITMON_START_FDS="1 $(seq -s ' ' 3 20)" $CLI run -q -- ${list}`);
    expect(stale).not.toMatch(/anon_inode/); // node's epoll and eventfds
  });

  // Exit lines were written with a blocking write(2): a reader that stayed
  // but stopped reading froze the loop (no reaping: 1,067 zombies in 2 s as
  // PID 1) until it went away. Now exitmon ends while the reader still sits.
  it('a stdout reader that stops reading costs queued lines, never the loop: exitmon reaps and ends while it still sits there', async () => {
    const flood = 'i=0; while [ $i -lt 1500 ]; do (true &); i=$((i+1)); done; exit 0';
    const tag = `stalled-reader-${process.pid}`;
    const script = `( $CLI run -- sh -c '${flood}' 2>/dev/null; echo "rc=$? reader=$(pgrep -f '${tag}' >/dev/null && echo alive)" >&2 ) | sh -c 'sleep 30 # ${tag}'`;
    const pipeline = spawn('bash', ['-c', script], { env: { ...process.env, CLI: `${process.execPath} ${CLI}` }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`exitmon did not end while its reader stalled: ${err}`)), 20_000);
      pipeline.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
        if (err.includes('\n')) {
          clearTimeout(timer);
          resolve(err.trim());
        }
      });
    });
    spawnSync('pkill', ['-f', tag]);
    expect(line).toBe('rc=0 reader=alive');
  });

  it('lines still queued at exit are counted on stderr: the reader\'s lines plus the count make every exit', async () => {
    const flood = 'i=0; while [ $i -lt 1500 ]; do (true &); i=$((i+1)); done; exit 4';
    // The reader starts reading only after exitmon ended: it gets what the pipe held.
    const err = join(tmpdir(), `exitmon-dropped-${process.pid}`);
    const out = await bash(`$CLI run -- sh -c '${flood}' 2>${err} | (sleep 3; wc -l); grep -o '[0-9]* output line(s) dropped at exit' ${err}; rm -f ${err}`);
    // No count when the reader kept up (a loaded machine took over 3 s for the flood): none was dropped.
    const [read, dropped = 0] = out.trim().split('\n').map((l) => Number.parseInt(l, 10));
    // Before: about 1,080 lines lost with nothing said.
    expect(dropped + read!, out).toBe(1501);
    expect(read).toBeGreaterThan(0);
  });

  it('takes the command without `--` when it does not start with a dash', async () => {
    const { status } = await runCli(['run', '--grace', '1s', 'sh', '-c', 'exit 5']);
    expect(status).toBe(5);
  });

  it('forwards SIGTERM to the command and exits 143 when the command dies of it', async () => {
    const cli = startCli(['run', '--', 'sh', '-c', 'echo ready; exec sleep 30']);
    await cli.waitFor('stdout', /ready/);
    cli.child.kill('SIGTERM');
    const { status, stdout, stderr } = await cli.done;
    expect(status).toBe(143);
    expect(exitLines(stdout)[0]).toMatchObject({ role: 'main', status: 143, signal: 'SIGTERM', code: null });
    expect(stderr).toMatch(/forwarded SIGTERM to process group/);
  });

  it.each(['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const)('forwards %s to the command', async (signal) => {
    const trap = signal.slice(3);
    const cli = startCli(['run', '--', 'sh', '-c', `trap 'exit 10' ${trap}; echo ready; while :; do sleep 0.05; done`]);
    await cli.waitFor('stdout', /ready/);
    cli.child.kill(signal);
    expect((await cli.done).status).toBe(10);
  });

  it("reports and reaps the command's orphan with outcome 'reaped'", async () => {
    const { status, stdout } = await runCli(['run', '--', 'sh', join(FIXTURES, 'cli-orphan.sh')]);
    expect(status).toBe(0);
    const orphanPid = Number(/orphan=(\d+)/.exec(stdout)?.[1]);
    const lines = exitLines(stdout);
    expect(lines.find((l) => l.pid === orphanPid)).toMatchObject({ role: 'orphan', status: 4, code: 4, outcome: 'reaped' });
    // The orphan exited (and was reaped) while the command still ran.
    expect(lines.map((l) => l.role)).toEqual(['orphan', 'main']);
  });

  it('reaps a child it inherited through exec (`helper & exec exitmon run …`) as an orphan, as tini does', () => expectInheritedChildReaped());

  it('with --no-subreaper leaves orphans to init and reports only the command', async () => {
    const { status, stdout } = await runCli(['run', '--no-subreaper', '--', 'sh', join(FIXTURES, 'cli-orphan.sh')]);
    expect(status).toBe(0);
    expect(exitLines(stdout).map((l) => l.role)).toEqual(['main']);
  });

  it('stops the rest of the group when the command exits, SIGKILL after --grace for a member ignoring SIGTERM', async () => {
    const started = Date.now();
    const { status, stdout, stderr } = await runCli(['run', '--grace', '400ms', '--', 'sh', join(FIXTURES, 'cli-leave-group.sh')]);
    const elapsed = Date.now() - started;
    expect(status).toBe(0);
    const polite = Number(/polite=(\d+)/.exec(stdout)?.[1]);
    const stubborn = Number(/stubborn=(\d+)/.exec(stdout)?.[1]);
    const lines = exitLines(stdout);
    expect(lines[0]).toMatchObject({ role: 'main', status: 0 });
    expect(lines.find((l) => l.pid === polite)).toMatchObject({ role: 'orphan', signal: 'SIGTERM', status: 143, outcome: 'reaped' });
    expect(lines.find((l) => l.pid === stubborn)).toMatchObject({ role: 'orphan', signal: 'SIGKILL', status: 137, outcome: 'reaped' });
    expect(stderr).toMatch(/"forced":true/);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(isAlive(polite)).toBe(false);
    expect(isAlive(stubborn)).toBe(false);
  });

  it('stops an orphan that left the group (setsid) when the command exits, so nothing outlives exitmon', async () => {
    const script = 'setsid sh -c "echo escapee=\\$\\$; exec sleep 30" & sleep 0.3; exit 0';
    const { status, stdout, stderr } = await runCli(['run', '--grace', '2s', '--', 'sh', '-c', script]);
    expect(status).toBe(0);
    const escapee = Number(/escapee=(\d+)/.exec(stdout)?.[1]);
    expect(exitLines(stdout).find((l) => l.pid === escapee)).toMatchObject({ role: 'orphan', signal: 'SIGTERM', outcome: 'reaped' });
    expect(stderr).toMatch(/stopped adopted orphans still running/);
    expect(isAlive(escapee)).toBe(false);
  });

  it('exits 127 when the command does not exist', async () => {
    const { status, stderr } = await runCli(['run', '--', '/nonexistent/exitmon-test-command']);
    expect(status).toBe(127);
    expect(stderr).toMatch(/cannot start .*ENOENT/);
    // One line with the code and path, as tini prints; no stack trace.
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/"stack"|\bat /);
  });

  it('exits 127 for an empty command name, as tini does (exec of "" finds nothing)', async () => {
    const { status, stderr } = await runCli(['run', '--', '']);
    expect(status).toBe(127);
    expect(stderr).toMatch(/cannot start '': ENOENT/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 126 when the command is not executable, as a shell does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitmon-noexec-'));
    try {
      const file = join(dir, 'script');
      await writeFile(file, 'echo hi\n', { mode: 0o644 });
      const { status, stderr } = await runCli(['run', '--', file]);
      expect(status).toBe(126);
      expect(stderr).toMatch(/cannot start .*EACCES/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps stdout for exit lines and logs on stderr; --quiet drops both', async () => {
    const loud = await runCli(['run', '--format', 'pretty', '--', 'sh', '-c', 'echo from-command; exit 0']);
    expect(loud.stdout).toMatch(/^from-command\nexit pid=\d+ main +status=0 +code=0 outcome=reaped after=[\d.]+m?s sh -c 'echo from-command; exit 0'\n$/);
    const quiet = await runCli(['run', '--quiet', '--', 'sh', '-c', 'echo from-command; exit 0']);
    expect(quiet.stdout).toBe('from-command\n');
    expect(quiet.stderr).toBe('');
  });

  it('tags the exit with --exec-id', async () => {
    const { stdout } = await runCli(['run', '--exec-id', 'job-7', '--', 'true']);
    expect(exitLines(stdout)[0]).toMatchObject({ execId: 'job-7', status: 0 });
  });
});
