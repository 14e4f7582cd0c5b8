// What /proc says about cgroups: the cgroup v2 mount points and this
// process's own cgroup v2 path. The cgroup probe (process/cgroup-base.ts)
// decides from these where exitmon may create cgroups.
import { readFileSync } from 'node:fs';
import { PROC_ROOT } from './stat.js';

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The cgroup2 mount points in /proc/self/mountinfo (proc(5): field 5 is the
 * mount point; the fs type follows the " - " separator; spaces are `\040`).
 */
export function cgroup2Mounts(mountinfo = readText(`${PROC_ROOT}/self/mountinfo`)): string[] {
  const mounts: string[] = [];
  for (const line of (mountinfo ?? '').split('\n')) {
    const [left, right] = line.split(' - ');
    if (right === undefined || !right.startsWith('cgroup2 ')) continue;
    const point = left!.split(' ')[4];
    if (point !== undefined) mounts.push(point.replace(/\\040/g, ' '));
  }
  return mounts;
}

/** This process's own cgroup v2 path (the `0::/path` line of /proc/self/cgroup, cgroups(7)). */
export function ownCgroupPath(): string | undefined {
  const line = (readText(`${PROC_ROOT}/self/cgroup`) ?? '').split('\n').find((l) => l.startsWith('0::'));
  return line?.slice(3) || undefined;
}
