// exitmon's own output on fds 1 and 2: it must never block the loop, which
// reaps, forwards signals and stops what is left. Never through
// process.stdout / process.stderr: creating those streams over a pipe makes
// the runtime set O_NONBLOCK on the file description, which the command
// shares (it inherits our stdio), and a command that writes faster than its
// reader reads then fails with EAGAIN and loses output (`head: error
// writing 'standard output': Resource temporarily unavailable`). tini and
// dumb-init leave the descriptions as they found them, and so does exitmon:
// over a pipe or a terminal it writes through a description of its own,
// opened anew through /proc/self/fd/N, non-blocking. A reader that stops
// reading (a stalled log shipper, a terminal paused with Ctrl-S) then costs
// queued lines, up to MAX_QUEUED_BYTES, never the loop: with a blocking
// write, PID 1 stopped reaping (1,067 zombies in 2 s) and answered
// `docker stop` 9 s late. A regular file is written through fd N itself (a
// second description would write at its own offset); so is a socket (it
// cannot be reopened), which blocks as before.
import { constants, fstatSync, openSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

const STDOUT_FD = 1;
const STDERR_FD = 2;
/** Most bytes one destination queues while its reader does not read; further lines are dropped (and counted). */
const MAX_QUEUED_BYTES = 1 << 20;
/** How often queued output is offered to a full destination again, in ms. */
const RETRY_MS = 10;
/** How long flushOutput() waits for a reader at exit, in ms. */
const EXIT_FLUSH_MS = 500;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Whether fd 1 (stdout) or 2 (stderr) is a terminal, without creating a stream for it. */
export function isTerminal(fd: typeof STDOUT_FD | typeof STDERR_FD): boolean {
  return isatty(fd);
}

/** Whether the user asked for no colour: NO_COLOR set and not empty (no-color.org). */
export function noColor(): boolean {
  const value = process.env.NO_COLOR;
  return value !== undefined && value !== '';
}

// A non-blocking description of our own for fd's pipe or terminal, or
// undefined (a regular file, a socket, a closed fd: written through fd).
function ownDescription(fd: number): number | undefined {
  try {
    const stat = fstatSync(fd);
    if (!stat.isFIFO() && !stat.isCharacterDevice()) return undefined;
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
}

// One destination: writes what it takes now, queues the rest (EAGAIN) and
// offers it again from an unref'd timer, so a stalled reader never holds
// the process either.
class Sink {
  readonly #fd: number;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #dropped = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(fd: number) {
    this.#fd = ownDescription(fd) ?? fd;
  }

  write(text: string): void {
    const bytes = Buffer.from(text);
    const rest = this.#queue.length === 0 ? this.#writeNow(bytes) : bytes;
    if (rest.length === 0) return;
    if (this.#queued + rest.length > MAX_QUEUED_BYTES) {
      this.#dropped++;
      return;
    }
    this.#queue.push(rest);
    this.#queued += rest.length;
    this.#schedule();
  }

  /** Lines dropped since the last call (the queue was full). */
  takeDropped(): number {
    const n = this.#dropped;
    this.#dropped = 0;
    return n;
  }

  /** Gives up on what is queued: the lines lost with it and those dropped before (not yet told). */
  abandon(): number {
    let lines = this.takeDropped();
    for (const chunk of this.#queue) for (const byte of chunk) if (byte === 0x0a) lines++;
    this.#queue.length = 0;
    this.#queued = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return lines;
  }

  /** Writes what is queued as far as the destination takes it now; true when nothing is left. */
  flush(): boolean {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const rest = this.#writeNow(head);
      this.#queued -= head.length - rest.length;
      if (rest.length > 0) {
        this.#queue[0] = rest;
        this.#schedule();
        return false;
      }
      this.#queue.shift();
    }
    return true;
  }

  // What the destination did not take now (EAGAIN); empty when it took all,
  // or when it failed: a reader gone (EPIPE), a hung-up terminal (EIO), a
  // full disk (ENOSPC), a file-size limit (EFBIG) cost the text, never
  // exitmon or its exit status (tini's is the command's, always).
  #writeNow(bytes: Buffer): Buffer {
    let rest = bytes;
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(this.#fd, rest));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') return rest;
        if (code !== 'EINTR') return rest.subarray(rest.length);
      }
    }
    return rest;
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
      reportDropped();
    }, RETRY_MS).unref();
  }
}

let out: Sink | undefined;
let err: Sink | undefined;

// Lines lost to a full queue, told on stderr once the queue took lines again
// (never on stdout: its readers parse JSON lines).
function reportDropped(): void {
  const lost = (out?.takeDropped() ?? 0) + (err?.takeDropped() ?? 0);
  if (lost > 0) writeErr(`exitmon: ${lost} output line(s) dropped: a reader did not keep up\n`);
}

/** Writes text to stdout. */
export function writeOut(text: string): void {
  (out ??= new Sink(STDOUT_FD)).write(text);
}

/** Writes text to stderr. */
export function writeErr(text: string): void {
  (err ??= new Sink(STDERR_FD)).write(text);
}

/**
 * Before exit: offers what is still queued to its readers for up to
 * EXIT_FLUSH_MS (a slow reader still gets the last lines; a stalled one
 * delays the exit by that much at most), then gives up on the rest and says
 * on stderr how many lines were lost (as far as stderr still takes it).
 */
export function flushOutput(): void {
  const until = Date.now() + EXIT_FLUSH_MS;
  for (;;) {
    const done = (out?.flush() ?? true) && (err?.flush() ?? true);
    if (done || Date.now() >= until) break;
    Atomics.wait(pause, 0, 0, 1);
  }
  const lost = (out?.abandon() ?? 0) + (err?.abandon() ?? 0);
  if (lost === 0) return;
  writeErr(`exitmon: ${lost} output line(s) dropped at exit: a reader did not keep up\n`);
  err?.abandon();
}
