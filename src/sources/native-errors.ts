// Turns the addon's -errno results into errors that keep errno and syscall,
// the way Node's own system errors do.
import { constants } from 'node:os';
import { SyscallError } from '../core/errors.js';

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** The symbolic name of a positive errno, e.g. 24 -> 'EMFILE'. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/** A SyscallError for the negative result `rc` of the addon's `syscall` wrapper. */
export function syscallError(syscall: string, rc: number, detail?: string): SyscallError {
  const errno = Math.abs(rc);
  return new SyscallError(syscall, errno, errnoName(errno), detail);
}

/** errno values the reaper branches on. */
export const ERRNO = Object.freeze({
  ESRCH: constants.errno.ESRCH,
  ECHILD: constants.errno.ECHILD,
  EMFILE: constants.errno.EMFILE,
  ENFILE: constants.errno.ENFILE,
  ENOMEM: constants.errno.ENOMEM,
  EINVAL: constants.errno.EINVAL,
  EBUSY: constants.errno.EBUSY,
  EBADF: constants.errno.EBADF,
});
