// The terminal's foreground process group: who gets Ctrl-C, Ctrl-Z and may
// read the terminal. `exitmon run` hands it to its command and takes it back.
import { isatty } from 'node:tty';
import { loadNative } from '../native/load.js';
import { ownProcessGroup } from './proc-stat.js';

// tcgetpgrp(3) on fd: the group, 0 when it lies outside our pid namespace,
// undefined when fd is no terminal, the addon is missing or the call failed.
function rawForegroundGroup(fd: number): number | undefined {
  if (!isatty(fd)) return undefined;
  const pgid = loadNative()?.tcgetpgrp?.(fd);
  return pgid !== undefined && pgid >= 0 ? pgid : undefined;
}

/** The terminal's foreground group, or undefined when fd is no terminal or the addon is missing. */
export function terminalForegroundGroup(fd = 0): number | undefined {
  const pgid = rawForegroundGroup(fd);
  return pgid !== undefined && pgid > 0 ? pgid : undefined;
}

/**
 * True when fd is this process's controlling terminal (tcgetpgrp(3) answers
 * for it), whether or not our group holds it now.
 */
export function isControllingTerminal(fd = 0): boolean {
  return rawForegroundGroup(fd) !== undefined;
}

/**
 * True when this process's group holds the terminal on fd (so it may hand it
 * over). As PID 1 of a pid namespace started by a foreground job (`unshare
 * --pid --fork`, podman without a new session) the terminal's foreground
 * group is outside the namespace, where tcgetpgrp(3) answers 0: the job that
 * holds it is the one that started us, and init takes the terminal for its
 * command as tini does.
 */
export function inTerminalForeground(fd = 0): boolean {
  const foreground = rawForegroundGroup(fd);
  if (foreground === 0) return process.pid === 1;
  return foreground !== undefined && foreground === ownProcessGroup();
}

/**
 * Makes pgid the terminal's foreground group (tcsetpgrp(3), SIGTTOU blocked so
 * that a background caller is not stopped). Returns 0 or -errno; -ENOSYS
 * without the addon. Callers check inTerminalForeground() first: with SIGTTOU
 * blocked the kernel would let a background process take the terminal.
 */
export function setTerminalForegroundGroup(fd: number, pgid: number): number {
  const native = loadNative();
  if (native?.tcsetpgrp === undefined) return -38; // ENOSYS
  return native.tcsetpgrp(fd, pgid);
}
