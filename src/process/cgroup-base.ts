// Where exitmon may create cgroups: a writable cgroup v2 directory, probed
// once per process (like containerd's capability probes). Containers often
// mount the cgroup fs read-only and many hosts run cgroup v1 only, so this is
// found out, never assumed (docs/linux.md, "cgroups").
import { accessSync, constants, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2Mounts, ownCgroupPath } from '../proc/cgroup-info.js';

/** The environment variable that names the cgroup v2 directory to create cgroups under. */
export const CGROUP_BASE_ENV = 'EXITMON_CGROUP_BASE';

/** The probe's answer: a writable base directory, or why there is none. */
export type CgroupBaseProbe = { readonly base: string; readonly reason?: undefined } | { readonly base: null; readonly reason: string };

const probes = new Map<string, CgroupBaseProbe>();

// Whether a child cgroup can really be made (and removed) under dir: access()
// alone says yes on a read-only mount for root.
function canCreateUnder(dir: string): boolean {
  try {
    accessSync(join(dir, 'cgroup.procs'), constants.W_OK);
    // Unique even across pid namespaces sharing the hierarchy, and past a
    // probe directory left by a killed process. Math.random, not node:crypto:
    // a name needs no secrecy, and loading crypto cost every start ~3 ms.
    const probe = join(dir, `exitmon-probe-${process.pid}-${Math.random().toString(16).slice(2, 10)}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

// Candidates in order of preference: the configured base, then our own
// cgroup's subtree on each cgroup2 mount (so a delegated subtree, as systemd
// gives a user service, is used as delegated), then each mount's root.
function probe(configured: string | undefined): CgroupBaseProbe {
  if (configured !== undefined) {
    if (!cgroup2Mounts().some((m) => configured === m || configured.startsWith(`${m}/`))) {
      return { base: null, reason: `${configured} is not on a cgroup2 mount` };
    }
    return canCreateUnder(configured) ? { base: configured } : { base: null, reason: `${configured} is not writable` };
  }
  const mounts = cgroup2Mounts();
  if (mounts.length === 0) return { base: null, reason: 'no cgroup2 file system is mounted (cgroup v1 only, or none)' };
  const own = ownCgroupPath();
  const candidates = [...(own !== undefined && own !== '/' ? mounts.map((m) => join(m, own)) : []), ...mounts];
  for (const dir of candidates) if (canCreateUnder(dir)) return { base: dir };
  return { base: null, reason: `no writable cgroup2 directory (tried ${candidates.join(', ')}; read-only or not delegated)` };
}

/**
 * The cgroup v2 directory new cgroups are created under: `configured`, else
 * `$EXITMON_CGROUP_BASE`, else probed. Memoised per configured value.
 */
export function probeCgroupBase(configured: string | undefined = process.env[CGROUP_BASE_ENV] || undefined): CgroupBaseProbe {
  const key = configured ?? '';
  let answer = probes.get(key);
  if (answer === undefined) {
    answer = process.platform === 'linux' ? probe(configured) : { base: null, reason: `cgroups are Linux-only (platform ${process.platform})` };
    probes.set(key, answer);
  }
  return answer;
}
