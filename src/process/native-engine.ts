// The native engine: builds the job the addon's spawn() takes (execve
// candidates, argv, envp, stdio), starts the process, and wraps our pipe
// ends as node streams. Exit tracking and signalling live in managed-process.ts.
import type { SpawnOptions as NodeSpawnOptions, StdioOptions } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { typeError } from '../core/validate.js';
import { errnoName } from '../sources/native-errors.js';
import { streamFd, type SpawnBinding } from './spawn-engine.js';

// Flags of the addon's spawn (exitmon.c, SPAWN_*).
const PROCESS_GROUP = 1;
const SESSION = 2;
const FOREGROUND = 4;
const CLOSE_OTHERS = 8;
// stdio codes of the addon's spawn.
const INHERIT = -1;
const IGNORE = -2;
const PIPE = -3;
// execvp(3)'s default search path when the environment has no PATH.
const DEFAULT_PATH = '/bin:/usr/bin';

/** What the native engine started. */
export interface NativeStarted {
  readonly pid: number;
  /** The pidfd from birth (O_CLOEXEC); the caller closes it once the exit is collected. */
  readonly pidfd: number;
  readonly stdio: (Readable | Writable | null)[];
}

/** What the addon needs besides the command line. */
export interface NativeJobOptions {
  readonly processGroup: boolean;
  readonly session: boolean;
  readonly foreground: boolean;
  /** Only the stdio entries cross exec (close_range above them in the child). */
  readonly closeOtherFds: boolean;
  readonly ignoredSignals: readonly number[];
  /** The child's soft open-files limit; undefined: ours. */
  readonly openFileLimit: number | undefined;
  readonly cgroupFd: number;
  /** The exit cleanup's signal number, 0 without cleanup (see NativeSpawnJob.cleanupSignal). */
  readonly cleanupSignal: number;
}

/** An error shaped like node:child_process's spawn errors (code, errno, syscall 'spawn cmd', path, spawnargs). */
export interface SpawnError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path: string;
  spawnargs: string[];
}

/** Builds the error node:child_process would report for errno. */
export function spawnError(command: string, args: readonly string[], errno: number, step?: string): SpawnError {
  const code = errnoName(errno);
  const error = new Error(`spawn ${command} ${code}`) as SpawnError;
  error.errno = -errno; // node's system errors carry the negative libuv value
  error.code = code;
  error.syscall = `spawn ${command}`;
  error.path = command;
  error.spawnargs = [...args];
  if (step !== undefined && step !== 'execve') Object.defineProperty(error, 'step', { value: step, enumerable: false });
  return error;
}

/**
 * The stdin, stdout and stderr of a process that never started, where they
 * were to be pipes: as node:child_process hands them out then, streams that
 * have ended (stdout and stderr end without data; stdin is destroyed, so a
 * write calls back with an error and emits none), so that code reading them
 * beside `exited` meets the spawn error there, not a TypeError for null.
 */
export function unstartedStdio(stdio: StdioOptions | undefined): (Readable | Writable | null)[] {
  return stdioList(stdio).slice(0, 3).map((entry, i) => {
    if (stdioCode(entry, i) !== PIPE) return null;
    if (i === 0) return new Writable({ write: (_chunk, _encoding, done) => done() }).destroy();
    const ended = new Readable({ read: () => undefined });
    ended.push(null);
    return ended;
  });
}

// The stdio entries as a list of three or more (node's normalisation).
function stdioList(stdio: StdioOptions | undefined): unknown[] {
  if (stdio === undefined || typeof stdio === 'string') return [stdio ?? 'pipe', stdio ?? 'pipe', stdio ?? 'pipe'];
  const list = [...stdio];
  while (list.length < 3) list.push(undefined);
  return list;
}

// One stdio entry as an addon code or fd.
function stdioCode(entry: unknown, index: number): number {
  if (entry === undefined || entry === null) return index <= 2 ? PIPE : IGNORE;
  if (entry === 'pipe' || entry === 'overlapped') return PIPE;
  if (entry === 'ignore') return IGNORE;
  if (entry === 'inherit') return index <= 2 ? index : INHERIT;
  if (typeof entry === 'number') return entry;
  if (entry === process.stdin || entry === process.stdout || entry === process.stderr) {
    return streamFd(entry) ?? (entry === process.stdin ? 0 : entry === process.stdout ? 1 : 2);
  }
  return streamFd(entry)!; // spawn-engine.ts admitted only streams with an fd
}

// NUL bytes would silently cut a C string short: node refuses them too.
function assertNoNul(value: string, name: string): string {
  if (value.includes('\0')) throw new TypeError(`Expected \`${name}\` to contain no null bytes, got ${JSON.stringify(value)}`);
  return value;
}

// execvp(3)'s candidates: the command itself when it has a slash, else each
// PATH entry (an empty one is the working directory).
function execCandidates(command: string, path: string | undefined): string[] {
  if (command.includes('/')) return [command];
  return (path ?? DEFAULT_PATH).split(delimiter).map((dir) => (dir === '' ? command : `${dir.replace(/\/+$/, '')}/${command}`));
}

// A node stream over our end of a pipe. net.Socket over a pipe fd is what
// node:child_process itself hands out (libuv pipe, non-blocking, EOF on exit)
// on Node 20–24 and Deno. Bun 1.4's net.Socket accepts the fd but never reads
// from it (measured): Bun reads through its own event loop (Bun.file(fd)),
// whose read a destroy() cancels; an fs read stream's pending read in the
// thread pool held the process open until the child exited. Its writes go
// through an fs stream.
type BunFiles = { file(fd: number): { stream(): unknown } };
const BUN = (globalThis as { Bun?: BunFiles }).Bun;
function bunReadable(bun: BunFiles, fd: number): Readable {
  const stream = Readable.fromWeb(bun.file(fd).stream() as Parameters<typeof Readable.fromWeb>[0]);
  stream.once('close', () => {
    try {
      closeSync(fd); // Bun.file() never closes an fd it was handed
    } catch {
      // Closed already.
    }
  });
  return stream;
}
function pipeStream(fd: number, readable: boolean): Readable | Writable {
  if (BUN !== undefined) return readable ? bunReadable(BUN, fd) : createWriteStream('', { fd });
  try {
    return new Socket({ fd, readable, writable: !readable });
  } catch {
    return readable ? createReadStream('', { fd }) : createWriteStream('', { fd });
  }
}

// `cwd` as node takes it: a string, a Buffer or a file URL; absent or '' is
// our own working directory (node's child_process skips an empty cwd too).
function workingDirectory(cwd: unknown): string | undefined {
  if (cwd === undefined || cwd === null || cwd === '') return undefined;
  if (typeof cwd === 'string') return cwd;
  if (cwd instanceof Uint8Array) return Buffer.from(cwd).toString();
  if (cwd instanceof URL) return fileURLToPath(cwd);
  throw typeError('options.cwd', 'a string, a Buffer or a file URL', cwd);
}

/**
 * Starts `command` natively. Returns what started, or the node-shaped error
 * when it could not be started (exec failure, bad cwd, set*id refused, no fds).
 * @throws TypeError for arguments with NUL bytes or a bad `cwd`.
 */
export function startNative(
  binding: SpawnBinding,
  command: string,
  args: readonly string[],
  node: NodeSpawnOptions,
  job: NativeJobOptions,
): NativeStarted | SpawnError {
  assertNoNul(command, 'command'); // first: argv0 defaults to it, and the error must name what the caller passed
  const env = node.env ?? process.env;
  const envp: string[] = [];
  // As node walks it (for…in): an env built with Object.create(process.env)
  // passes its inherited variables too. Object.keys where nothing can be
  // inherited (a plain object, process.env itself): it is faster.
  const plain = env === process.env || [Object.prototype, null].includes(Object.getPrototypeOf(env) as object | null);
  for (const key of plain ? Object.keys(env) : keysIn(env)) {
    const value = env[key];
    if (value !== undefined) envp.push(assertNoNul(`${key}=${value}`, 'options.env'));
  }
  const cwd = workingDirectory(node.cwd);
  if (cwd !== undefined) assertNoNul(cwd, 'options.cwd');
  // null is "not given", as in node.
  if (node.argv0 != null && typeof node.argv0 !== 'string') throw typeError('options.argv0', 'a string', node.argv0);
  const argv0 = node.argv0 ?? command;
  const argv = [assertNoNul(argv0, 'options.argv0'), ...args.map((a) => assertNoNul(a, 'args'))];
  const entries = stdioList(node.stdio);
  const stdio = entries.map(stdioCode);
  let flags = job.session ? SESSION : job.processGroup ? PROCESS_GROUP : 0;
  if (job.foreground) flags |= FOREGROUND;
  if (job.closeOtherFds) flags |= CLOSE_OTHERS;
  const result = binding.spawn({
    paths: execCandidates(command, env.PATH),
    argv,
    envp,
    cwd,
    stdio,
    flags,
    uid: node.uid ?? -1,
    gid: node.gid ?? -1,
    cgroupFd: job.cgroupFd,
    ignored: job.ignoredSignals,
    openFileLimit: job.openFileLimit ?? -1,
    cleanupSignal: job.cleanupSignal,
  });
  if ('errno' in result) return spawnError(command, args, result.errno, result.syscall);
  return {
    pid: result.pid,
    pidfd: result.pidfd,
    stdio: result.fds.map((fd, i) => (fd >= 0 ? pipeStream(fd, i !== 0) : null)),
  };
}

// Every enumerable key, own and inherited (for…in).
function keysIn(object: object): string[] {
  const keys: string[] = [];
  for (const key in object) keys.push(key);
  return keys;
}
