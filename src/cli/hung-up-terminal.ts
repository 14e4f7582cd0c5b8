// Node 20 restores, at exit, the terminal modes it saw at start on fds 0-2
// (ResetStdio, src/node.cc) and asserts that tcsetattr succeeded: when the
// terminal hung up meanwhile (an ssh session that dropped, a terminal window
// closed while exitmon led it) tcsetattr fails with EIO and the process
// aborts, so exitmon ended with 134 and an assertion on stderr instead of its
// command's 129. Node skips an fd that no longer names the file it saw, so a
// hung-up terminal is swapped for /dev/null just before exit (Node 22 and
// later, Bun and Deno exit cleanly anyway; the swap changes nothing there).
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Puts /dev/null in place of each of fds 0-2 that is a terminal which hung up. */
export function releaseHungUpTerminal(): void {
  for (const fd of [0, 1, 2]) {
    // A hung-up terminal answers every ioctl with EIO: isatty(3) says no,
    // while the fd still names the terminal's device.
    if (isatty(fd)) continue;
    let path: string;
    try {
      path = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed, or no /proc
    }
    // A pty whose other side closed is gone from /dev/pts: `(deleted)`.
    if (!/^\/dev\/(pts\/\d+|tty\w*|console)( \(deleted\))?$/.test(path)) continue;
    try {
      closeSync(fd);
      // The lowest free fd: this one, as those below it are open.
      const replacement = openSync('/dev/null', fd === 0 ? 'r' : 'w');
      if (replacement !== fd) closeSync(replacement); // closed is skipped by Node too (EBADF)
    } catch {
      // Nothing more to do at exit.
    }
  }
}
