// Finds and loads the native addon (src/native/exitmon.c) once per process.
// Like containerd's capability probes, the answer is memoised: either the
// binding, or null plus the reason the portable fallback is in use.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
}

/** The outcome of the one-time probe. */
export type NativeProbe =
  | { readonly binding: NativeBinding; readonly reason?: undefined }
  | { readonly binding: null; readonly reason: string };

/** The environment variable that forces the portable fallback when set to `1`. */
export const NO_NATIVE_ENV = 'EXITMON_NO_NATIVE';

const PACKAGE_NAME = 'exitmon';

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
  if (process.platform !== 'linux') return { binding: null, reason: `unsupported platform ${process.platform}` };
  const root = findPackageRoot();
  if (root === undefined) return { binding: null, reason: `package root of ${PACKAGE_NAME} not found` };
  try {
    const require = createRequire(join(root, 'package.json'));
    const load = require('node-gyp-build') as (dir: string) => unknown;
    const binding = load(root) as NativeBinding;
    if (typeof binding?.pidfdOpen !== 'function') return { binding: null, reason: 'the addon has no pidfdOpen' };
    // pidfd_open needs Linux 5.3: a kernel without it answers ENOSYS here.
    const fd = binding.pidfdOpen(process.pid);
    if (fd < 0) return { binding: null, reason: `pidfd_open is unavailable (errno ${-fd})` };
    binding.close(fd);
    return { binding };
  } catch (error) {
    return { binding: null, reason: `addon not loadable: ${(error as Error)?.message ?? String(error)}` };
  }
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
