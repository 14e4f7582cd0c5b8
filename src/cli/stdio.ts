// exitmon's own output, written straight to fds 1 and 2. Never through
// process.stdout / process.stderr: creating those streams over a pipe makes
// the runtime set O_NONBLOCK on the file description, which the command
// shares (it inherits our stdio), and a command that writes faster than its
// reader reads then fails with EAGAIN and loses output (`head: error
// writing 'standard output': Resource temporarily unavailable`). tini and
// dumb-init leave the descriptions as they found them, and so does exitmon.
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';

const STDOUT_FD = 1;
const STDERR_FD = 2;
// How long to wait before retrying a write that found the pipe full (only
// when someone else made it non-blocking), in ms.
const FULL_PIPE_WAIT_MS = 1;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Whether fd 1 (stdout) or 2 (stderr) is a terminal, without creating a stream for it. */
export function isTerminal(fd: typeof STDOUT_FD | typeof STDERR_FD): boolean {
  return isatty(fd);
}

// Writes all of text to fd, synchronously, like the runtime's stdio on a
// pipe. A destination that cannot take it costs the text, never exitmon or
// the status it exits with (tini's and dumb-init's is the command's, always):
// a reader that went away (EPIPE; EIO: a terminal hung up), a full disk
// (ENOSPC, EDQUOT), a file-size limit (EFBIG), a closed fd (EBADF), …
// Only a full non-blocking pipe is waited for.
function writeAll(fd: number, text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, FULL_PIPE_WAIT_MS);
      else if (code !== 'EINTR') return;
    }
  }
}

/** Writes text to stdout. */
export function writeOut(text: string): void {
  writeAll(STDOUT_FD, text);
}

/** Writes text to stderr. */
export function writeErr(text: string): void {
  writeAll(STDERR_FD, text);
}
