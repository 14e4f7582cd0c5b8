// The file descriptors above stderr that exitmon was handed (socket
// activation's LISTEN_FDS from 3, `cmd 3<file` in a script): tini, dumb-init
// and catatonit pass every one on to the command, and so does `exitmon run`.
// Node marks fds 0-15 (and any run of open fds right after) close-on-exec
// before any code runs (uv_disable_stdio_inheritance), and later opens its own
// there, so which fds were inherited cannot be told from inside: the bin's
// sh launcher line (tsup.config.ts) lists them in START_FDS_ENV. Fds above
// that range keep their flags and are inherited by the command anyway.
import { readFileSync } from 'node:fs';
import type { StdioOptions } from 'node:child_process';
import { ownLauncherValue } from '../process/launcher-value.js';

/** The variable the launcher line sets: its pid, then `fd:inode` for each inherited fd ≥ 3. */
export const START_FDS_ENV = 'EXITMON_START_FDS';

// Far above what the launcher looks at (0-15 and the run of open fds after).
const MAX_FD = 1023;

// The inode of our fd, as /proc/self/fdinfo tells it (the launcher read the
// same field: stat() may report another number on overlayfs); '' where the
// kernel has no such line (before 5.14), null when the fd is closed.
function fdInode(fd: number): string | null {
  try {
    return /^ino:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '';
  } catch {
    return null;
  }
}

/**
 * The fds the launcher recorded that are still the files it saw, in this
 * process: a variable left over in the environment (exitmon started without
 * the launcher: another pid) or an fd that was closed and reopened since (by
 * a `node` wrapper: another inode) names exitmon's own fds, never passed on.
 */
export function parseStartFds(value: string | undefined): number[] {
  const recorded = ownLauncherValue(value, ' ');
  if (recorded === undefined || recorded === '') return [];
  const entries = recorded.split(' ');
  const fds = new Set<number>();
  for (const entry of entries) {
    const match = /^(\d+):(\d*)$/.exec(entry);
    if (match === null) continue;
    const fd = Number(match[1]);
    if (fd < 3 || fd > MAX_FD) continue;
    const inode = fdInode(fd);
    if (inode !== null && inode === match[2]) fds.add(fd);
  }
  return [...fds].sort((a, b) => a - b);
}

/**
 * stdio for the command: 0-2 inherited, each inherited fd at its own number,
 * every other position up to the highest closed (`'ignore'` beyond stderr:
 * as in node, no fd), so none of exitmon's own fds leaks into the command.
 */
export function stdioWithInherited(fds: readonly number[]): StdioOptions {
  if (fds.length === 0) return 'inherit';
  const stdio: (number | 'inherit' | 'ignore')[] = ['inherit', 'inherit', 'inherit'];
  const passed = new Set(fds);
  for (let fd = 3; fd <= fds.at(-1)!; fd++) stdio.push(passed.has(fd) ? fd : 'ignore');
  return stdio;
}
