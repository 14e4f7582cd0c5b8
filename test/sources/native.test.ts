// The addon, its loader and the pure helpers around it.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SyscallError } from '../../src/core/errors.js';
import { SIGNAL_NUMBERS } from '../../src/core/signals.js';
import { findPackageRoot, loadNative, probeNativeBinding } from '../../src/native/load.js';
import { fromChildExit, fromRawWaitStatus, fromWaitResult } from '../../src/sources/exit-status.js';
import { errnoName, syscallError } from '../../src/sources/native-errors.js';
import '../../src/sources/ownership.js'; // wraps ChildProcess.prototype.spawn: libuv ownership is known
import { PidfdBackend } from '../../src/sources/pidfd-backend.js';
import { parseProcStat } from '../../src/process/proc-stat.js';

const ROOT = findPackageRoot()!;

// Every .ts file below dir.
function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

describe('native loader and helpers', () => {
  it('finds the package root by walking up to the package.json named exitmon', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name).toBe('exitmon');
    expect(findPackageRoot('/')).toBeUndefined();
  });

  it('memoises the probe: one answer per process', () => {
    expect(probeNativeBinding()).toBe(probeNativeBinding());
  });

  it('turns -errno into a SyscallError that keeps errno and syscall', () => {
    const error = syscallError('pidfd_open', -constants.errno.EMFILE);
    expect(error).toBeInstanceOf(SyscallError);
    expect(error).toMatchObject({ errno: constants.errno.EMFILE, syscall: 'pidfd_open', code: 'EMFILE' });
    expect(errnoName(constants.errno.ECHILD)).toBe('ECHILD');
  });

  it('reads the state after the last ")" so a command named "x) Z (y" is not a zombie', () => {
    const stat = parseProcStat('42 (x) Z (y) S 7 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9999 0 0\n');
    expect(stat).toMatchObject({ pid: 42, comm: 'x) Z (y', state: 'sleeping', ppid: 7, startTime: 9999, exitStatus: undefined });
    const fields = Array.from({ length: 49 }, (_, i) => (i === 0 ? 'Z' : String(i)));
    fields[49] = String(42 << 8); // field 52: a zombie's wait status
    expect(parseProcStat(`7 (sh) ${fields.join(' ')}\n`)).toMatchObject({ state: 'zombie', exitStatus: 42 << 8 });
  });

  it('decodes wait statuses: exit codes, signals, core dumps', () => {
    expect(fromRawWaitStatus(42 << 8)).toEqual({ code: 42, signal: null, status: 42, coreDumped: false });
    expect(fromRawWaitStatus(9)).toEqual({ code: null, signal: 'SIGKILL', status: 137, coreDumped: false });
    expect(fromRawWaitStatus(0x80 | 6)).toEqual({ code: null, signal: 'SIGABRT', status: 134, coreDumped: true });
    expect(fromWaitResult({ pid: 1, signal: 40 })).toEqual({ code: null, signal: null, status: 168, coreDumped: false });
    expect(fromChildExit(null, 'SIGTERM')).toMatchObject({ signal: 'SIGTERM', status: 143 });
  });

  it('the core signal table agrees with os.constants.signals', () => {
    for (const [name, n] of Object.entries(SIGNAL_NUMBERS)) {
      const actual = (constants.signals as Record<string, number | undefined>)[name];
      if (actual !== undefined) expect([name, n]).toEqual([name, actual]);
    }
  });

  it('src never waits on "any child": no waitpid(-1), and every P_ALL is a WNOWAIT peek that cannot reap', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
    const sources = files(join(ROOT, 'src')).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
    expect(sources.filter(({ text }) => /waitpid\(-1/.test(text)).map(({ file }) => file)).toEqual([]);
    // Each line that names P_ALL must carry WNOWAIT (review finding 8 allows only the peek).
    const reaping = sources.flatMap(({ file, text }) =>
      text.split('\n').flatMap((line, i) => (/P_ALL/.test(line) && !/WNOWAIT/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(reaping).toEqual([]);
    // And the one waitid(P_ALL) call in C passes WNOWAIT in its flags.
    const c = readFileSync(join(ROOT, 'src/native/exitmon.c'), 'utf8');
    const calls = [...c.matchAll(/wait(?:id|_one)\([^;]*P_ALL[^;]*;/g)].map((m) => m[0]);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toMatch(/WNOWAIT/);
  });
});

describe.skipIf(process.platform !== 'linux' || loadNative() === null)('native addon (Linux)', () => {
  const native = loadNative()!;
  new PidfdBackend(native); // starts the event source: watch() before start() is ENOTCONN

  it('pidfd_open of a missing pid is ESRCH; the probe accepts the kernel (waitid on our own pidfd answered ECHILD)', () => {
    expect(native.pidfdOpen(2 ** 22 + 1)).toBe(-constants.errno.ESRCH);
    expect(native.probe()).toBe(0);
    const fd = native.pidfdOpen(process.ppid);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(native.close(fd)).toBe(0);
  });

  it('peeking with WNOWAIT reads the status and leaves the zombie to its owner', async () => {
    // A child that node:child_process does not know about cannot be made from JS,
    // so use one that libuv owns while JS runs synchronously (libuv cannot reap in between).
    const child = spawn('sh', ['-c', 'exit 9'], { stdio: 'ignore' });
    const fd = native.pidfdOpen(child.pid!);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    while (readFileSync(`/proc/${child.pid}/stat`, 'latin1').split(') ')[1]![0] !== 'Z') { /* spin until zombie */ }
    // reap asked, but libuv owns the child: the addon only peeks (reaped = 0)
    expect(native.watch(fd, child.pid!, 1)).toBe(0);
    expect([...(native.collect(fd) as Int32Array)]).toEqual([fd, child.pid, 1, 9, 0]);
    native.close(fd);
    expect(await exited).toBe(9); // libuv still got it
  });

  it('pidfd_send_signal delivers a signal through the pidfd', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const fd = native.pidfdOpen(child.pid!);
    expect(native.pidfdSendSignal(fd, constants.signals.SIGTERM)).toBe(0);
    native.close(fd);
    expect(await exited).toBe('SIGTERM');
  });

  it('exports only functions that src/ calls (no dead exports: waitPid, unwatch, waitPidfd are gone)', () => {
    const sources = tsFilesUnder(join(import.meta.dirname, '../../src')).map((file) => readFileSync(file, 'utf8')).join('\n');
    const unused = Object.keys(native).filter((name) => !new RegExp(`\\.${name}[!?]?\\.?\\(`).test(sources));
    expect(unused).toEqual([]);
    for (const gone of ['waitPid', 'unwatch', 'waitPidfd']) expect(native).not.toHaveProperty(gone);
  });

  it('rejects non-integer arguments with a TypeError instead of crashing', () => {
    expect(() => native.pidfdOpen('x' as unknown as number)).toThrow(TypeError);
  });

  it('close() and watch() refuse an fd the addon did not open (EBADF), so a stray call closes nothing', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(native.close(fd)).toBe(-constants.errno.EBADF);
      expect(native.watch(fd, 1, 0)).toBe(-constants.errno.EBADF);
      expect(() => fstatSync(fd)).not.toThrow(); // still open
    } finally {
      closeSync(fd);
    }
  });

  it('collect() answers 0 while the process runs and its exit once it exited; peekAny never reaps', async () => {
    const child = spawn('sh', ['-c', 'sleep 0.1; exit 5'], { stdio: 'ignore' });
    const fd = native.pidfdOpen(child.pid!);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(native.watch(fd, child.pid!, 0)).toBe(0);
    expect(native.collect(fd)).toBe(0);
    let collected: Int32Array | number = 0;
    while ((collected = native.collect(fd)) === 0) { /* spin: libuv cannot reap while JS runs */ }
    expect([...(collected as Int32Array)]).toEqual([fd, child.pid, 1, 5, 0]);
    expect(native.peekAny()).toMatchObject({ pid: child.pid, code: 5 });
    expect(native.peekAny()).toMatchObject({ pid: child.pid, code: 5 }); // still there
    expect(native.reapUnowned(child.pid!, -1)).toBe(-constants.errno.EBUSY); // libuv owns it
    native.close(fd);
    expect(await exited).toBe(5);
  });

  // Review finding 5: String(error) of a null-prototype object threw inside the dispatcher.
  it('a readiness handler that throws a null-prototype object becomes a warning, nothing escapes', async () => {
    const backend = new PidfdBackend(native);
    const child = spawn('true', { stdio: 'ignore' });
    const opened = backend.open(child.pid!);
    if (!('fd' in opened)) throw new Error('pidfd_open failed');
    const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
    backend.watch(opened.fd, child.pid!, false, () => {
      throw Object.create(null);
    });
    expect((await warning).message).toContain('a pidfd exit handler threw');
    backend.close(opened.fd);
  });
});
