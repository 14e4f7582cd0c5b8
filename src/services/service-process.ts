// How a service's processes start. The service and its readiness probes alike
// get stdin, stdout and stderr only (as supervisord's programs do) and a
// cgroup of their own where one can be made, so that nothing they fork (a
// double fork, a setsid) escapes their stop; else their tree is stopped.
import type { ExitMonitor } from '../core/monitor.js';
import { spawn, type ManagedProcess, type ManagedSpawnOptions } from '../process/spawn.js';
import type { ResolvedService } from './config.js';

/** The containment of every process a service starts. */
export const CONTAINED = { closeOtherFds: true, cgroup: 'auto' } as const satisfies ManagedSpawnOptions;

const STDERR_FD = 2;

/** Where a service's stdout and stderr go. */
export type ServiceStdio = 'inherit' | 'stderr' | 'ignore';

/**
 * Starts the service's process in its own group, with `env` (the service's
 * over exitmon's). Throws only when nothing could start (a closed monitor);
 * start failures (ENOENT…) reject `exited`.
 */
export function spawnService(config: ResolvedService, monitor: ExitMonitor, env: NodeJS.ProcessEnv, stdio: ServiceStdio): ManagedProcess {
  const { argv, cwd } = config;
  return spawn(argv[0]!, argv.slice(1), {
    monitor,
    env,
    cwd,
    stdio: stdio === 'stderr' ? ['ignore', STDERR_FD, STDERR_FD] : ['ignore', stdio, stdio],
    processGroup: true,
    ...CONTAINED,
  });
}
