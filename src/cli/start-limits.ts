// The open-files limit exitmon was started with. Node, Bun and Deno raise
// their soft RLIMIT_NOFILE to the hard limit before any code runs, and a
// command would inherit that (tini, dumb-init and catatonit pass the caller's
// on; select(2) breaks above 1024). The bin's sh launcher line (tsup.config.ts)
// reads it from /proc/self/limits first, after its own pid (exec keeps it).
import { ownLauncherValue } from '../process/launcher-value.js';

/** The variable the launcher line sets: `pid:soft limit` (`unlimited` possible). */
export const START_NOFILE_ENV = 'EXITMON_START_NOFILE';

/**
 * The soft open-files limit the launcher recorded for this process, or
 * undefined: none recorded, another process's (a stale variable), or
 * `unlimited` (nothing to restore).
 */
export function parseStartNofile(value: string | undefined): number | undefined {
  const recorded = ownLauncherValue(value, ':');
  return recorded !== undefined && /^\d{1,9}$/.test(recorded) ? Number(recorded) : undefined;
}
