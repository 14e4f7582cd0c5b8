// Finds and loads the native addon (src/native/exitmon.c) once per process.
// Like containerd's capability probes, the answer is memoised: either the
// binding, or null plus the reason the portable fallback is in use.
//
// Search order (node-gyp-build's, see docs/install.md): a local source build
// in build/Release (then build/Debug), then the prebuilt N-API binary shipped
// in prebuilds/<platform>-<arch>/, then nothing: the poll fallback.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What waitid(2) reported for one process; pid 0 means "has not exited yet". */
export interface NativeWaitResult {
  pid: number;
  code?: number;
  signal?: number;
  coreDumped?: boolean;
}

/**
 * The addon's functions. Each returns -errno on failure (see exitmon.c for the
 * man pages and minimum kernels).
 */
export interface NativeBinding {
  pidfdOpen(pid: number): number;
  waitPidfd(fd: number, nowait: 0 | 1): NativeWaitResult | number;
  waitPid(pid: number): NativeWaitResult | number;
  getSubreaper(): number;
  setSubreaper(on: 0 | 1): number;
  pidfdSendSignal(fd: number, signal: number): number;
  watch(fd: number): number;
  unwatch(fd: number): number;
  close(fd: number): number;
  setDispatcher(dispatch: (fd: number, status: number) => void): void;
  /** poll(fd, POLLIN, 0) on a pidfd: 1 once the process exited, 0 while it runs. */
  pidfdReady(fd: number): number;
  /** waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT): the first zombie child, never reaped (pid 0: none). */
  peekAny(): NativeWaitResult | number;
  /** Reaps pid (through fd when fd >= 0) unless libuv in some realm owns it or a spawn is in flight (-EBUSY). */
  reapUnowned(pid: number, fd: number): NativeWaitResult | number;
  /** The process-wide registry of node:child_process pids (all realms). */
  ownBegin(): number;
  ownEnd(pid: number): number;
  ownDelete(pid: number): number;
  ownHas(pid: number): number;
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
  realtimeSignals?(): [number, number];
}

/** The outcome of the one-time probe. */
export type NativeProbe =
  | { readonly binding: NativeBinding; readonly file: string; readonly reason?: undefined }
  | { readonly binding: null; readonly file?: undefined; readonly reason: string };

/** The environment variable that forces the portable fallback when set to `1`. */
export const NO_NATIVE_ENV = 'EXITMON_NO_NATIVE';

const PACKAGE_NAME = 'exitmon';

/**
 * How to get the native backend, appended to the reason when the addon is
 * missing or broken (the reason ends up in the one-time poll warning).
 */
export const NATIVE_HINT =
  'to get the native backend, install a C toolchain (python3, make, cc) and run `npm rebuild exitmon`, ' +
  'or use a platform with a prebuild (linux-x64, glibc)';

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
      } catch {
        // An unreadable manifest is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// Runs the probe: environment switch, platform, package root, then the load.
function probeNative(): NativeProbe {
  if (process.env[NO_NATIVE_ENV] === '1') return { binding: null, reason: `${NO_NATIVE_ENV}=1 is set` };
  if (process.platform !== 'linux') return { binding: null, reason: `unsupported platform ${process.platform}: the native backend is Linux-only` };
  const root = findPackageRoot();
  if (root === undefined) return { binding: null, reason: `package root of ${PACKAGE_NAME} not found` };
  let file: string;
  const require = createRequire(join(root, 'package.json'));
  try {
    // node-gyp-build's order: build/Release, build/Debug, then prebuilds/.
    file = (require('node-gyp-build') as NodeGypBuild).resolve(root);
  } catch (error) {
    return { binding: null, reason: `no native addon found (${oneLine(error)}); ${NATIVE_HINT}` };
  }
  try {
    const binding = require(file) as NativeBinding;
    if (typeof binding?.pidfdOpen !== 'function') return { binding: null, reason: `the addon ${file} has no pidfdOpen; ${NATIVE_HINT}` };
    // pidfd_open needs Linux 5.3: a kernel without it answers ENOSYS here.
    const fd = binding.pidfdOpen(process.pid);
    if (fd < 0) return { binding: null, reason: `pidfd_open is unavailable (errno ${-fd}; it needs Linux 5.3 or later)` };
    // waitid(P_PIDFD) needs Linux 5.4: on our own pidfd it answers ECHILD
    // (we are not our own child), on 5.3 EINVAL. WNOHANG|WNOWAIT: no side effect.
    const waited = binding.waitPidfd(fd, 1);
    binding.close(fd);
    if (waited === -constants.errno.EINVAL) return { binding: null, reason: 'waitid(P_PIDFD) is unavailable (it needs Linux 5.4 or later)' };
    return { binding, file };
  } catch (error) {
    return { binding: null, reason: `addon ${file} not loadable (${oneLine(error)}); ${NATIVE_HINT}` };
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

/** The native binding, or null when the portable fallback must be used. */
export function loadNative(): NativeBinding | null {
  return probeNativeBinding().binding;
}
