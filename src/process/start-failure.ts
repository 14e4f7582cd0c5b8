// What a command that could not be started "exits" with, as a shell says it
// (and tini, and bash): 127 when it was not found, 126 when it was found but
// could not be executed, 1 when starting it failed for another reason (no
// fds, no memory): a status for exitmon run's exit and a service's verdict.

/** Not found (ENOENT). */
export const STATUS_NOT_FOUND = 127;
/** Found, but not executable (EACCES, EISDIR, ENOEXEC). */
export const STATUS_NOT_EXECUTABLE = 126;
/** Anything else that kept it from starting. */
export const STATUS_START_FAILED = 1;

const NOT_EXECUTABLE: ReadonlySet<string> = new Set(['EACCES', 'EISDIR', 'ENOEXEC']);

/** The shell's status for a spawn error (the rejection of `exited`). */
export function startFailureStatus(error: unknown): number {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return STATUS_NOT_FOUND;
  return code !== undefined && NOT_EXECUTABLE.has(code) ? STATUS_NOT_EXECUTABLE : STATUS_START_FAILED;
}
