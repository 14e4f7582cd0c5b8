// The file descriptors above stderr that exitmon was handed (socket
// activation's LISTEN_FDS from 3, `cmd 3<file` in a script): tini, dumb-init
// and catatonit pass every one on to the command, and so does `exitmon run`.
// Node marks fds 0-15 (and any run of open fds right after) close-on-exec
// before any code runs (uv_disable_stdio_inheritance), and later opens its own
// there, so which fds were inherited cannot be told from inside: the bin's
// sh launcher line (tsup.config.ts) lists them in START_FDS_ENV. Fds above
// that range keep their flags and are inherited by the command anyway.
import { fstatSync } from 'node:fs';
import type { StdioOptions } from 'node:child_process';

/** The variable the launcher line sets: the inherited fds ≥ 3, space-separated. */
export const START_FDS_ENV = 'EXITMON_START_FDS';

// Far above what the launcher looks at (0-15 and the run of open fds after).
const MAX_FD = 1023;

/** The fds the launcher recorded that are still open here (ours to pass on). */
export function parseStartFds(value: string | undefined): number[] {
  if (value === undefined) return [];
  const fds = new Set<number>();
  for (const word of value.split(' ')) {
    const fd = Number(word);
    if (word === '' || !Number.isInteger(fd) || fd < 3 || fd > MAX_FD) continue;
    try {
      fstatSync(fd);
      fds.add(fd);
    } catch {
      // Closed since (nothing of ours closes them: a stale variable).
    }
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
