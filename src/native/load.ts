// Finds and loads the native addon (src/native/exitmon.c) once per process.
// Like containerd's capability probes, the answer is memoised: either the
// binding, or null plus the reason the portable fallback is in use.
//
// Search order (see docs/install.md): a build in build/Release (then
// build/Debug; a clone of the repository builds there), else a user's source
// build of the installed package in src/native/build/Release, else the
// prebuilt N-API binary shipped in prebuilds/<platform>-<arch>/ (node-gyp-build's
// rules), then nothing: the poll fallback.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRuntimeRefusal, NativeUnavailableError } from '../core/errors.js';

/** What waitid(2) reported for one process; pid 0 means "has not exited yet". */
export interface NativeWaitResult {
  pid: number;
  code?: number;
  signal?: number;
  coreDumped?: boolean;
}

/**
 * How the addon's epoll set joins the host loop (exitmon.c SOURCE_*): one
 * uv_poll with Node's async teardown, or a watcher thread plus a thread-safe
 * function (Bun, which has no libuv, and Deno, whose uv_poll fires once).
 */
export const EventSourceKind = Object.freeze({ uv: 0, thread: 1 } as const);
export type EventSourceKind = (typeof EventSourceKind)[keyof typeof EventSourceKind];

/** Ints per exit in a batch: fd, pid (or -errno), si_code, si_status, reaped (0/1). */
export const EXIT_INTS = 5;

/**
 * The addon's functions. Each returns -errno on failure (see exitmon.c for the
 * man pages and minimum kernels).
 */
export interface NativeBinding {
  /** 0 when pidfd_open, waitid(P_PIDFD) and pidfd_send_signal all work, else -errno. */
  probe(): number;
  /** Joins the epoll set to the host loop; `dispatch` receives every batch of `count` exits (EXIT_INTS each; a reused array, read during the call only). */
  start(source: EventSourceKind, dispatch: (exits: Int32Array, count: number) => void): number;
  pidfdOpen(pid: number): number;
  /** Arms a one-shot watch; its exit is reaped when `reap` is 1 and no runtime owns pid, else peeked at. */
  watch(fd: number, pid: number, reap: 0 | 1): number;
  /** Collects an armed watch now if its process exited: one exit, 0 while it runs, or -errno. */
  collect(fd: number): Int32Array | number;
  close(fd: number): number;
  /** How many batches were delivered to JS (tests and benchmarks). */
  batches(): number;
  pidfdSendSignal(fd: number, signal: number): number;
  /** poll(fd, POLLIN, 0) on a pidfd: 1 once the whole thread group exited, 0 while it runs, or -errno. Never reaps. */
  pidfdReady(fd: number): number;
  getSubreaper(): number;
  setSubreaper(on: 0 | 1): number;
  /** waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT): the first zombie child, never reaped (pid 0: none). */
  peekAny(): NativeWaitResult | number;
  /** Reaps pid (through pidfd when it is ≥ 0: PID-reuse safe) unless a runtime in some thread owns it or a spawn is in flight (-EBUSY). */
  reapUnowned(pid: number, pidfd: number): NativeWaitResult | number;
  /** The process-wide registry of pids a runtime spawn API owns (all threads). */
  ownBegin(): number;
  ownEnd(pid: number): number;
  ownDelete(pid: number): number;
  ownHas(pid: number): number;
  /**
   * Native spawn (clone3 with CLONE_PIDFD, see exitmon.c): the pid, its pidfd
   * from birth and our pipe ends (fds[i], -1 where none), or why it failed.
   * Absent in addons built before 0.2.
   */
  spawn?(job: NativeSpawnJob): { pid: number; pidfd: number; fds: number[] } | { errno: number; syscall: string };
  // exitmon run: signals and the terminal (the block of that name in exitmon.c).
  /** sigaction query: 0 SIG_DFL, 1 SIG_IGN, 2 a handler is installed. */
  signalIgnored?(signo: number): number;
  tcgetpgrp?(fd: number): number;
  /** tcsetpgrp with SIGTTOU blocked around it. */
  tcsetpgrp?(fd: number, pgid: number): number;
  /** 1: forward signo to the target group from signal context; 2: ignore it; 0: restore. */
  forwardSignal?(signo: number, mode: 0 | 1 | 2): number;
  setForwardTarget?(pgid: number, ttyFd: number): number;
  forwardedCount?(signo: number): number;
  /** SIGCONT hand-overs (terminal, then the group's SIGCONT) begun and ended, in any thread. */
  continuesBegun?(): number;
  continuesEnded?(): number;
  realtimeSignals?(): [number, number];
  /**
   * Sends every unreaped native spawn of every thread that asked for an exit
   * cleanup its cleanup signal (to its group and cgroup), as exit(3) would:
   * for a death by signal, which tears no worker down. Returns how many.
   */
  killOwned?(): number;
}

/** The argument of the addon's spawn(). */
export interface NativeSpawnJob {
  /** execve candidates, tried in order (execvp semantics). */
  paths: string[];
  argv: string[];
  envp: string[];
  cwd?: string | undefined;
  /** Per position: an fd to place there, -1 inherit, -2 /dev/null, -3 a new pipe. */
  stdio: number[];
  /** 1 own process group, 2 new session, 4 foreground group of the terminal on fd 0, 8 close every fd above the stdio entries. */
  flags: number;
  /** -1: unchanged. */
  uid: number;
  gid: number;
  /** An O_DIRECTORY fd of the cgroup to start in (CLONE_INTO_CGROUP), or -1. */
  cgroupFd: number;
  /** Signal numbers that are SIG_IGN in the child (every other one is SIG_DFL). */
  ignored: readonly number[];
  /** The child's soft RLIMIT_NOFILE (clamped to the hard limit); -1 or absent: ours. */
  openFileLimit?: number;
  /**
   * The exit cleanup's signal (0: none), sent by this environment's teardown
   * to the child's group (and cgroup) if it is still unreaped then: a worker
   * thread terminated before its JS could run the cleanup.
   */
  cleanupSignal?: number;
}

/**
 * The event source this runtime supports. Decided from the runtime, never by
 * trying: on Bun every uv_* function is a crash stub that aborts the process
 * (Bun issue #18546), so it must never be called there. Deno 2.9 accepts a
 * uv_poll_t but calls it back for the first readiness only (every later exit
 * was lost: test/runtimes/conformance.mjs checks three in a row).
 */
export function hostEventSource(): EventSourceKind {
  const bun = typeof process.versions.bun === 'string';
  const deno = typeof (globalThis as { Deno?: unknown }).Deno === 'object';
  return bun || deno ? EventSourceKind.thread : EventSourceKind.uv;
}

/** The outcome of the one-time probe. */
export type NativeProbe =
  | { readonly binding: NativeBinding; readonly file: string; readonly reason?: undefined }
  | { readonly binding: null; readonly file?: undefined; readonly reason: string };

/** The environment variable that forces the portable fallback when set to `1`. */
export const NO_NATIVE_ENV = 'EXITMON_NO_NATIVE';

const PACKAGE_NAME = 'exitmon';

/** The platforms the package ships a prebuilt binary for. */
export const PREBUILT_PLATFORMS = 'linux-x64 and linux-arm64, glibc and musl';

// The published package holds its gyp file here, not at its root: npm treats
// a root binding.gyp as an install script (`node-gyp rebuild`).
const SOURCE_DIR = join('src', 'native');
const SOURCE_BUILD = join(SOURCE_DIR, 'build', 'Release', 'exitmon.node');

// Single-quotes a path for a POSIX shell when it needs quoting.
const shellQuote = (path: string): string => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`);

/**
 * How to get the native backend, appended to the reason when the addon is
 * missing or broken (the reason ends up in the one-time poll warning): the
 * exact command that builds it from the installed sources.
 */
export function nativeHint(root: string): string {
  return `to build the native backend, run \`npx node-gyp rebuild -C ${shellQuote(join(root, SOURCE_DIR))}\` ` +
    `(needs python3, make and a C compiler); prebuilt binaries exist for ${PREBUILT_PLATFORMS}`;
}

/**
 * What to do when the runtime itself refused to load the addon: Deno loads
 * native addons only with the ffi permission (a `NotCapable` error, named
 * `PermissionDenied` before Deno 2), and then the addon is fine and no build
 * would help. Undefined for any other failure.
 */
export function runtimeRefusalHint(error: unknown): string | undefined {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== 'object') return undefined;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  if (!isRuntimeRefusal(error) && !message.includes('--allow-ffi')) return undefined;
  return 'Deno loads native addons only with the ffi permission: run deno with --allow-ffi (or -A)';
}

type NodeGypBuild = ((dir: string) => unknown) & { resolve(dir: string): string };

let probe: NativeProbe | undefined;

// Walks up from this module (src/native or dist/) to exitmon's package.json,
// so the same code finds build/ and prebuilds/ from the sources and the bundle.
export function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = start; ; ) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch (error) {
        // A runtime's refusal (Deno without --allow-read) is no answer: probeNative reports it.
        if (isRuntimeRefusal(error)) throw error;
        // An unreadable manifest is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// Runs the probe. A runtime that refuses what it reads (Deno without
// --allow-env or --allow-read) gets NativeUnavailableError with the
// runtime's error, which names the flag, as its cause: no probe result, so
// the next call asks again.
function probeNative(): NativeProbe {
  try {
    return probeOnce();
  } catch (error) {
    if (isRuntimeRefusal(error)) throw new NativeUnavailableError('Loading the native addon', { cause: error });
    throw error;
  }
}

// Environment switch, platform, package root, then the load.
function probeOnce(): NativeProbe {
  if (process.env[NO_NATIVE_ENV] === '1') return { binding: null, reason: `${NO_NATIVE_ENV}=1 is set` };
  if (process.platform !== 'linux') return { binding: null, reason: `unsupported platform ${process.platform}: the native backend is Linux-only` };
  const root = findPackageRoot();
  if (root === undefined) return { binding: null, reason: `package root of ${PACKAGE_NAME} not found` };
  let file: string;
  const require = createRequire(join(root, 'package.json'));
  const hint = nativeHint(root);
  try {
    const sourceBuild = join(root, SOURCE_BUILD);
    // node-gyp-build's order: build/Release, build/Debug, then prebuilds/;
    // a source build of the installed package comes before its prebuilds.
    file = !existsSync(join(root, 'build')) && existsSync(sourceBuild) ? sourceBuild : (require('node-gyp-build') as NodeGypBuild).resolve(root);
  } catch (error) {
    return { binding: null, reason: `no native addon found (${oneLine(error)}); ${hint}` };
  }
  try {
    const binding = require(file) as NativeBinding;
    if (typeof binding?.pidfdOpen !== 'function') return { binding: null, reason: `the addon ${file} has no pidfdOpen; ${hint}` };
    // Go's checkPidfd: pidfd_open (5.3), waitid(P_PIDFD) answering exactly
    // ECHILD for ourselves (5.4; EINTR retried), pidfd_send_signal (5.1).
    const rc = typeof binding.probe === 'function' ? binding.probe() : -constants.errno.ENOSYS;
    if (rc < 0) return { binding: null, reason: `pidfd support is incomplete (errno ${-rc}; it needs Linux 5.4 or later)` };
    return { binding, file };
  } catch (error) {
    return { binding: null, reason: `addon ${file} not loadable (${oneLine(error)}); ${runtimeRefusalHint(error) ?? hint}` };
  }
}

// node-gyp-build's messages span lines; a warning reads better on one.
function oneLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).replace(/\s+/g, ' ').trim();
}

/** The native probe result, computed once per process. */
export function probeNativeBinding(): NativeProbe {
  probe ??= probeNative();
  return probe;
}

/** The binding if this copy loaded it already, else null; never loads it (for the exit paths). */
export function loadedNative(): NativeBinding | null {
  return probe?.binding ?? null;
}

/** The native binding, or null when the portable fallback must be used. */
export function loadNative(): NativeBinding | null {
  return probeNativeBinding().binding;
}
