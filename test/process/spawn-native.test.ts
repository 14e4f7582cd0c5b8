// The native engine (clone3 + pidfd from birth): stdio, exec failures,
// cwd/env/argv0, uid/gid, signal dispositions, kill(), engine selection.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { text } from 'node:stream/consumers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MonitorClosedError } from '../../src/core/errors.js';
import { ExitMonitor } from '../../src/core/monitor.js';
import { Reaper } from '../../src/sources/reaper.js';
import { loadNative } from '../../src/native/load.js';
import { readProcStat } from '../../src/process/proc-stat.js';
import { spawn, type ManagedProcess, type ManagedSpawnOptions } from '../../src/process/spawn.js';
import { fixture, isLinux, killAll, track, waitFor } from './helpers.js';

const hasNativeSpawn = isLinux && typeof loadNative()?.spawn === 'function';
const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'exitmon-spawn-'));

function start(command: string, args: string[] = [], options: ManagedSpawnOptions = {}): ManagedProcess {
  const p = spawn(command, args, options);
  if (!Number.isNaN(p.pid)) track([p.pid], { asGroups: p.pgid !== undefined });
  return p;
}

afterEach(() => killAll());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasNativeSpawn)('native spawn', () => {
  it('is the default engine: no ChildProcess, and the reaper reaps the child', async () => {
    const p = start('sh', ['-c', 'exit 5'], { stdio: 'ignore' });
    expect(p.child).toBeUndefined();
    expect(await p.exited).toMatchObject({ pid: p.pid, code: 5, outcome: 'reaped' });
    // windowsHide (execa's default) does nothing on Linux: it keeps the native engine.
    expect(start('true', [], { stdio: 'ignore', windowsHide: true }).child).toBeUndefined();
  });

  it("engine: 'child_process', shell, a fourth pipe and a monitor without a reaper select node:child_process", async () => {
    const monitor = new ExitMonitor();
    try {
      // A pipe as fd 3 only child.stdio[3] can hand out (natively it was made and unreachable: a writer blocked on it).
      const fourthPipe = { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] };
      for (const options of [{ engine: 'child_process' }, { shell: true }, fourthPipe, { monitor }] as ManagedSpawnOptions[]) {
        const p = start('true', [], { stdio: 'ignore', ...options });
        expect(p.child).toBeDefined();
        await p.exited;
      }
    } finally {
      monitor.close();
    }
  });

  it('native-only options with options that rule the native engine out are a TypeError naming both (they were dropped silently)', () => {
    for (const [conflict, named] of [[{ engine: 'child_process' }, "engine: 'child_process'"], [{ shell: true }, 'option `shell`']] as const) {
      for (const [option, name] of [[{ ignoredSignals: ['SIGINT'] }, 'ignoredSignals'], [{ foreground: true }, 'foreground'], [{ closeOtherFds: true }, 'closeOtherFds']] as const) {
        expect(() => spawn('true', [], { ...conflict, ...option } as ManagedSpawnOptions)).toThrow(new TypeError(`Expected options one engine can honour: \`${name}\` needs the native engine, which ${named} rules out`));
      }
    }
  });

  it('bad values node rejects too: a non-boolean detached (TypeError), SIGKILL or SIGSTOP in ignoredSignals (RangeError)', () => {
    expect(() => spawn('true', [], { detached: 'yes' as unknown as boolean })).toThrow(/Expected `options.detached` to be a boolean, got `'yes'`|Expected `options.detached` to be a boolean/);
    for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
      expect(() => spawn('true', [], { ignoredSignals: ['SIGINT', signal] })).toThrow(new RangeError(`Expected \`options.ignoredSignals\` to hold signals that can be ignored, got ${signal} (SIGKILL and SIGSTOP cannot be)`));
    }
  });

  it("stdio 'pipe' gives node streams: stdin is read, stdout and stderr are written", async () => {
    const p = start('sh', ['-c', 'read line; echo "out:$line"; echo err >&2']);
    p.stdin!.end('hello\n');
    const [out, err] = await Promise.all([text(p.stdout!), text(p.stderr!)]);
    expect(out).toBe('out:hello\n');
    expect(err).toBe('err\n');
    expect((await p.exited).code).toBe(0);
  });

  // Each such process held its two pipe fds open for good (a supervisor that
  // only awaits `exited` ran out of fds); node:child_process discards unread
  // output at 'exit', and so does the native engine now.
  it('output nobody reads is discarded once the process exited, so its pipes close', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    const ps = Array.from({ length: 20 }, () => start('sh', ['-c', 'echo out; echo err >&2']));
    await Promise.all(ps.map((p) => p.exited));
    await waitFor(() => fds() <= before, 5_000, 'the unread pipes to close');
    // A stream someone reads after the exit is left to them.
    const late = start('sh', ['-c', 'echo kept']);
    await late.exited;
    expect(await text(late.stdout!)).toBe('kept\n');
  });

  it("stdio 'ignore' reads /dev/null and 'inherit' or an fd hands ours over", async () => {
    const file = join(scratch, 'fd-out');
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(file, 'w');
    try {
      const p = start('sh', ['-c', 'cat; echo to-fd'], { stdio: ['ignore', fd, 'inherit'] });
      expect(p.stdin).toBeNull();
      expect(p.stdout).toBeNull();
      expect((await p.exited).code).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('to-fd\n');
  });

  // Our fds are close-on-exec (node opens them so): 'inherit' beyond stdio
  // must clear that in the child, as libuv does, or the child gets no fd.
  it("'inherit' at position 3 or later hands our fd of that number over", async () => {
    const file = join(scratch, 'fd-inherit');
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(file, 'w');
    try {
      const stdio = [...Array.from({ length: fd }, (_, i) => (i === 1 ? 'pipe' : 'ignore') as 'pipe' | 'ignore'), 'inherit' as const];
      const p = start('readlink', [`/proc/self/fd/${fd}`], { stdio });
      expect(p.child).toBeUndefined();
      expect(await text(p.stdout!)).toBe(`${file}\n`);
      expect((await p.exited).code).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it("'ignore' beyond stderr leaves that fd closed in the child, as node:child_process does", async () => {
    for (const engine of ['native', 'child_process'] as const) {
      const p = start('sh', ['-c', 'for n in 3 4; do [ -e /proc/self/fd/$n ] && echo "fd $n open"; done; true'], { engine, stdio: ['ignore', 'pipe', 'ignore', 'ignore', 'ignore'] });
      expect(await text(p.stdout!)).toBe('');
    }
  });

  it('a command that does not exist rejects exited with ENOENT shaped like node:child_process', async () => {
    const p = spawn('exitmon-no-such-command', ['a'], { stdio: 'ignore' });
    expect(Number.isNaN(p.pid)).toBe(true);
    await expect(p.exited).rejects.toMatchObject({
      code: 'ENOENT',
      errno: -2,
      syscall: 'spawn exitmon-no-such-command',
      path: 'exitmon-no-such-command',
      spawnargs: ['a'],
      message: 'spawn exitmon-no-such-command ENOENT',
    });
    expect(p.kill()).toBe(false);
    expect(await p.stop()).toMatchObject({ alreadyExited: true });
  });

  it('a command that does not exist still has the pipes asked for, ended, as node:child_process hands them out', async () => {
    for (const engine of ['native', 'child_process'] as const) {
      const p = spawn('exitmon-no-such-command', [], { engine, stdio: ['pipe', 'pipe', 'ignore'] });
      expect(p.stderr).toBeNull();
      // Read beside exited: the spawn error surfaces, never a TypeError for a null stream.
      await expect(Promise.all([text(p.stdout!), p.exited])).rejects.toMatchObject({ code: 'ENOENT' });
      const written = await new Promise<unknown>((resolve) => p.stdin!.write('x', resolve));
      expect(written).toBeInstanceOf(Error); // EPIPE from node, destroyed from the native engine
    }
  });

  it('a file without execute permission rejects exited with EACCES', async () => {
    const file = join(scratch, 'not-executable');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    // As root, execve still refuses a file with no execute bit at all.
    await expect(spawn(file, [], { stdio: 'ignore' }).exited).rejects.toMatchObject({ code: 'EACCES', errno: -13, syscall: `spawn ${file}` });
  });

  it('an executable script without a #! line runs under /bin/sh with its arguments, as execvp and node:child_process do', async () => {
    const file = join(scratch, 'no-shebang');
    writeFileSync(file, 'echo "$0 $1 $2"; exit 5\n');
    chmodSync(file, 0o755);
    const results = [];
    for (const engine of ['native', 'child_process'] as const) {
      const p = start(file, ['one', 'two words'], { engine, stdio: ['ignore', 'pipe', 'ignore'] });
      results.push([(await text(p.stdout!)).trim(), (await p.exited).code]);
    }
    expect(results).toEqual([[`${file} one two words`, 5], [`${file} one two words`, 5]]);
  });

  it('cwd, env and argv0 reach the child', async () => {
    const p = start('sh', ['-c', 'echo "$0|$(pwd)|$EXITMON_TEST"'], { cwd: scratch, env: { PATH: process.env.PATH, EXITMON_TEST: 'yes' }, argv0: 'custom-name', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(await text(p.stdout!)).toBe(`custom-name|${scratch}|yes\n`);
  });

  it('env as node walks it: variables inherited through its prototype (Object.create(process.env)) reach the child; argv0 null is not given', async () => {
    const env = Object.assign(Object.create({ PATH: process.env.PATH, EXITMON_PROTO: 'inherited' }) as NodeJS.ProcessEnv, { EXITMON_OWN: 'own' });
    const p = start('sh', ['-c', 'echo "$0|$EXITMON_PROTO|$EXITMON_OWN"'], { env, argv0: null as unknown as string, stdio: ['ignore', 'pipe', 'ignore'] });
    // Before: Object.keys, so the child got EXITMON_OWN alone.
    expect(await text(p.stdout!)).toBe('sh|inherited|own\n');
  });

  it.skipIf(!isRoot)('uid and gid: as root, the child runs as nobody', async () => {
    const p = start('sh', ['-c', 'echo "$(id -u) $(id -g)"'], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(await text(p.stdout!)).toBe('65534 65534\n');
  });

  it("cwd as node takes it: a Buffer or a file URL names the directory, '' is our own; argv0 and cwd of the wrong type are TypeErrors naming them", async () => {
    for (const cwd of [Buffer.from(scratch), new URL(`file://${scratch}`)]) {
      const p = start("pwd", [], { cwd: cwd as unknown as string, stdio: ['ignore', 'pipe', 'ignore'] });
      expect(await text(p.stdout!)).toBe(`${scratch}\n`);
    }
    const here = start('pwd', [], { cwd: '', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(await text(here.stdout!)).toBe(`${process.cwd()}\n`);
    expect(() => spawn('true', [], { cwd: 42 as unknown as string })).toThrow(/Expected `options.cwd` to be a string, a Buffer or a file URL, got `42` \(number\)/);
    expect(() => spawn('true', [], { argv0: 5 as unknown as string })).toThrow(/Expected `options.argv0` to be a string, got `5` \(number\)/);
  });

  it('a bad cwd rejects exited with ENOENT', async () => {
    await expect(spawn('true', [], { cwd: join(scratch, 'missing'), stdio: 'ignore' }).exited).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the child leads its own group in our session; session: true starts a new session', () => {
    const ours = readProcStat(process.pid)!;
    const grouped = start('sleep', ['100'], { stdio: 'ignore' });
    const grouped_ = readProcStat(grouped.pid)!;
    expect(grouped_.pgrp).toBe(grouped.pid);
    expect(grouped_.sid).toBe(ours.sid);
    const session = start('sleep', ['100'], { stdio: 'ignore', session: true });
    expect(readProcStat(session.pid)!.sid).toBe(session.pid);
  });

  it('ignoredSignals are SIG_IGN in the child and every other disposition is the default', async () => {
    const p = start('sleep', ['100'], { stdio: 'ignore', ignoredSignals: ['SIGHUP', 'SIGUSR1'] });
    let status = '';
    const field = (name: string): bigint => BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)![1]}`);
    // spawn() returns once exec is under way (CLONE_VFORK); the kernel drops
    // libc's own handlers only at the end of exec: wait for that first.
    await waitFor(() => {
      status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      return /^Name:\s*sleep$/m.test(status) && field('SigCgt') === 0n;
    }, 10_000, 'the exec to finish');
    // Node ignores SIGPIPE: without the reset the child would inherit that.
    expect(field('SigIgn')).toBe((1n << 0n) | (1n << 9n)); // SIGHUP (1), SIGUSR1 (10)
    expect(field('SigBlk')).toBe(0n);
    expect(field('SigCgt')).toBe(0n);
  });

  it.each(['native', 'child_process'] as const)("kill() returns false for a child that exited but was not collected yet (a zombie), engine %s", async (engine) => {
    const p = start('true', [], { engine, stdio: 'ignore' });
    // No loop turn meanwhile: nobody can collect the exit.
    const until = Date.now() + 10_000;
    while (readProcStat(p.pid)?.state !== 'zombie' && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    expect(readProcStat(p.pid)?.state).toBe('zombie');
    expect(p.kill()).toBe(false);
    expect(await p.exited).toMatchObject({ code: 0, signal: null });
  });

  it("node's default `detached: false` leaves the child leading its own group (only processGroup: false does not)", () => {
    for (const engine of ['native', 'child_process'] as const) {
      const p = start('sleep', ['100'], { engine, stdio: 'ignore', detached: false });
      expect(p.pgid).toBe(p.pid);
      expect(readProcStat(p.pid)!.pgrp).toBe(p.pid);
    }
    const same = start('sleep', ['100'], { stdio: 'ignore', processGroup: false });
    expect(same.pgid).toBeUndefined();
    expect(readProcStat(same.pid)!.pgrp).toBe(readProcStat(process.pid)!.pgrp);
  });

  it('openFileLimit sets the soft open-files limit the child starts with, clamped to the hard one', async () => {
    const limits = async (options: ManagedSpawnOptions): Promise<string> => text(start('sh', ['-c', 'echo $(ulimit -Sn) $(ulimit -Hn)'], { stdio: ['ignore', 'pipe', 'ignore'], ...options }).stdout!);
    const [, hard] = (await limits({})).trim().split(' ').map(Number);
    expect((await limits({ openFileLimit: 100 })).trim()).toBe(`100 ${hard}`);
    expect((await limits({ openFileLimit: hard! + 1000 })).trim()).toBe(`${hard} ${hard}`);
    expect(() => spawn('true', [], { openFileLimit: -1 })).toThrow(RangeError);
    expect(() => spawn('true', [], { openFileLimit: '100' as unknown as number })).toThrow(TypeError);
    expect(() => spawn('true', [], { openFileLimit: 100, engine: 'child_process' })).toThrow(/`openFileLimit` needs the native engine/);
  });

  it('kill() signals the process only and returns false once it is gone', async () => {
    const p = start('sleep', ['100'], { stdio: 'ignore' });
    expect(p.kill()).toBe(true);
    expect((await p.exited).signal).toBe('SIGTERM');
    expect(p.kill('SIGKILL')).toBe(false);
    expect(() => p.kill('SIGNOPE' as NodeJS.Signals)).toThrow(RangeError);
    // A number, as ChildProcess.kill takes it (a real-time one too); glibc's 32 and 33 and 65 are not signals
    // to send (0 is the existence check: spawn.test.ts).
    const q = start('sleep', ['100'], { stdio: 'ignore' });
    for (const bad of [-1, 32, 33, 65, 1.5]) expect(() => q.kill(bad)).toThrow(RangeError);
    expect(q.kill(9)).toBe(true);
    expect((await q.exited).signal).toBe('SIGKILL');
    const r = start('sleep', ['100'], { stdio: 'ignore' });
    expect(r.kill(40)).toBe(true);
    expect((await r.exited).status).toBe(128 + 40);
  });

  it('a child whose reaper closed while it ran is still reaped, and its exit published', async () => {
    const monitor = new ExitMonitor();
    const reaper = new Reaper(monitor);
    try {
      const p = start('sleep', ['0.2'], { stdio: 'ignore', monitor });
      reaper.close();
      expect(await p.exited).toMatchObject({ pid: p.pid, code: 0, outcome: 'reaped' });
      expect(readProcStat(p.pid)).toBeNull();
    } finally {
      monitor.close();
    }
  });

  // It stayed a zombie for good: the reaper closed with its monitor and
  // dropped the watch, and the fallback skipped a closed monitor.
  it('a child whose monitor closed while it ran is reaped all the same, never left a zombie', async () => {
    const monitor = new ExitMonitor();
    new Reaper(monitor);
    const p = start('sleep', ['0.2'], { stdio: 'ignore', monitor });
    monitor.close();
    await expect(p.exited).rejects.toBeInstanceOf(MonitorClosedError);
    await waitFor(() => readProcStat(p.pid) === null, 5_000, 'the child to be reaped');
    expect(p.kill()).toBe(false);
  });

  it('without a pipe or a wait, a running native child holds the event loop like a ChildProcess', async () => {
    const script = `import { spawn } from ${JSON.stringify(new URL('../../src/process/spawn.ts', import.meta.url).pathname)};
      const p = spawn('sh', ['-c', 'sleep 0.3; exit 4'], { stdio: 'ignore' });
      p.exited.then((e) => console.log('exit', e.code, e.outcome));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stdout).toBe('exit 4 reaped\n');
  });
});

// `foreground` needs a terminal: the fixture runs under a pty made by script(1).
const hasScript = isLinux && spawnSync('script', ['--version']).status === 0;
describe.skipIf(!hasNativeSpawn || !hasScript)('native spawn in a terminal', () => {
  const run = (mode: string): { pgid: number; tpgid: number } => {
    const command = `${process.execPath} --import tsx ${fixture('process-foreground.mjs')} ${mode}`;
    const out = spawnSync('script', ['-qfc', command, '/dev/null'], { encoding: 'utf8', timeout: 20_000 }).stdout;
    const match = /child pgid=(\d+) tpgid=(\d+)/.exec(out);
    if (match === null) throw new Error(`unexpected output: ${out}`);
    return { pgid: Number(match[1]), tpgid: Number(match[2]) };
  };

  it('with our fd 0 closed, a pipe never lands at a stdio position: the child does not read its own output', () => {
    const script = join(scratch, 'closed-stdin.mts');
    writeFileSync(script, `
      import { closeSync, writeSync } from 'node:fs';
      import { text } from 'node:stream/consumers';
      import { spawn } from ${JSON.stringify(new URL('../../src/process/spawn.ts', import.meta.url).pathname)};
      await spawn('true', [], { stdio: 'ignore', engine: 'native' }).exited; // the reaper's fds are open before fd 0 is closed
      closeSync(0);
      const p = spawn('sh', ['-c', 'echo hello; read x; echo "stdin gave: $x"'], { stdio: ['inherit', 'pipe', 'inherit'], engine: 'native' });
      const out = p.stdout === null ? '' : await text(p.stdout);
      const code = await p.exited.then(() => 'ran', (error) => error.code);
      writeSync(2, JSON.stringify({ code, out }));
    `);
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname, timeout: 20_000 });
    // Inheriting a closed fd 0 fails as in libuv (EBADF); it used to be the read end of its own stdout pipe.
    expect(result.stderr).toContain(JSON.stringify({ code: 'EBADF', out: '' }));
  });

  it('closeOtherFds: the child gets its stdio entries only, not what this process holds without close-on-exec', () => {
    const script = join(scratch, 'close-others.mts');
    writeFileSync(script, `
      import { readdirSync, writeSync } from 'node:fs';
      import { spawn } from ${JSON.stringify(new URL('../../src/process/spawn.ts', import.meta.url).pathname)};
      // The fds of an idle child, read from here once it said so: a shell
      // listing its own could see the pipe it was building for the listing,
      // and a program just exec'd has the dynamic loader's files open.
      for (const closeOtherFds of [false, true]) {
        const p = spawn('sh', ['-c', 'echo ready; read x'], { stdio: ['pipe', 'pipe', 'ignore'], engine: 'native', closeOtherFds });
        await new Promise((resolve) => p.stdout.once('data', resolve));
        const fds = readdirSync('/proc/' + p.pid + '/fd').map(Number).sort((a, b) => a - b);
        writeSync(2, closeOtherFds + ': ' + fds.join(' ') + ' \\n');
        p.stdin.end('\\n');
        await p.exited;
      }
    `);
    const result = spawnSync('bash', ['-c', `exec 20</dev/null; exec ${process.execPath} --import tsx ${script}`], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname, timeout: 20_000 });
    expect(result.stderr).toMatch(/^false: 0 1 2 (.* )?20 /m); // node:child_process's behaviour, by default
    expect(result.stderr).toMatch(/^true: 0 1 2 $/m);
  });

  it("foreground: true makes the child's group the terminal's foreground group", () => {
    const { pgid, tpgid } = run('foreground');
    expect(tpgid).toBe(pgid);
  });

  it('without foreground the child runs in a background group of our session', () => {
    const { pgid, tpgid } = run('background');
    expect(tpgid).not.toBe(pgid);
  });

  // The child took the terminal before its execve failed, and nobody gave it
  // back: we were left in the background of a group that no longer existed.
  it('foreground: true with a command that cannot be executed leaves the terminal with us', () => {
    const command = `${process.execPath} --import tsx ${fixture('process-foreground.mjs')} fails`;
    const out = spawnSync('script', ['-qfc', command, '/dev/null'], { encoding: 'utf8', timeout: 20_000 }).stdout;
    const match = /failed=(\w+) pgid=(\d+) tpgid=(\d+)/.exec(out);
    expect(match, out).not.toBeNull();
    expect(match![1]).toBe('ENOENT');
    expect(match![3]).toBe(match![2]);
  });
});
