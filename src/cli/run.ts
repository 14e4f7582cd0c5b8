// `exitmon run [options] -- COMMAND [ARGS…]`: supervise one command like tini.
import { startFailureStatus, type ExitEvent, type ManagedProcess } from '../index.js';
import type { CliContext } from './context.js';
import { handOverEarlySignals } from './early-signals.js';
import { stdioWithInherited } from './inherited-fds.js';
import { JobControl } from './job-control.js';
import { Supervisor } from './supervisor.js';

/** What `run` needs from the command line. */
export interface RunOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly graceMs: number;
  readonly subreaper: boolean;
  readonly execId?: string;
}

// What exitmon exits with when the command's status is not known.
const STATUS_FAILED = 1;

/**
 * Runs the command to its end and returns the status exitmon should exit
 * with: the command's code, or 128 + n when it died of signal n.
 */
export async function runCommand(options: RunOptions, context: CliContext): Promise<number> {
  const { logger } = context;
  if (!options.subreaper && process.pid === 1) logger.warn('--no-subreaper is ignored: as PID 1, exitmon must reap every orphan');
  const supervisor = new Supervisor({
    reaper: context.reaper,
    logger,
    printer: context.printer,
    adoptOrphans: options.subreaper,
    defaultRole: 'orphan',
  });
  let main: ManagedProcess | undefined;
  // Signal forwarding goes in before the start: a SIGTERM right after spawn
  // is held and reaches the group once it exists.
  const job = new JobControl(logger, context.startSigIgn);
  handOverEarlySignals(job.nativeForwarding ? 'reraise' : 'drop');
  try {
    // An empty name is a command no search finds: tini's exec of it fails with
    // ENOENT (127), while spawn() refuses it as bad input, so answer here.
    if (options.command === '') return startFailure(notFound(options.command), options.command, context);
    main = supervisor.start(options.command, options.args, {
      role: 'main',
      stdio: stdioWithInherited(context.startFds),
      ...job.spawnOptions(),
      // The caller's, not the one the runtime raised for itself.
      ...(context.startNofile !== undefined ? { openFileLimit: context.startNofile } : {}),
      ...(options.execId !== undefined ? { execId: options.execId } : {}),
    });
    job.attach(main);
    let exit: ExitEvent;
    try {
      exit = await main.exited;
    } catch (error) {
      return startFailure(error, options.command, context);
    }
    job.detach();
    // The command is gone: whatever it left in its group and every orphan
    // still running get SIGTERM, then SIGKILL after the grace. When nothing
    // is left, both return at once and so does exitmon.
    const pgid = main.pgid;
    await Promise.all([
      pgid !== undefined ? supervisor.stopGroup(pgid, options.graceMs, "the rest of the command's process group") : undefined,
      supervisor.stopOrphans(options.graceMs),
    ]);
    await supervisor.settle();
    // -1 means the status was not ours to read; cannot happen for our own child.
    return exit.status >= 0 ? exit.status : STATUS_FAILED;
  } finally {
    job.close();
    supervisor.close();
  }
}

// Logs why the command did not start; returns the shell's status for it.
// An errno error needs no stack trace: its code and path say it all (tini
// prints one line too).
function startFailure(error: unknown, command: string, context: CliContext): number {
  const { code, path, syscall } = error as NodeJS.ErrnoException;
  const fields = code === undefined ? { err: error } : { code, path, syscall };
  const shown = command === '' ? "''" : command;
  context.logger.error({ ...fields, command }, `cannot start ${shown}: ${code ?? (error as Error).message}`);
  return startFailureStatus(error);
}

// The error node:child_process gives for a command it cannot find.
function notFound(command: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT', errno: -2, syscall: `spawn ${command}`, path: command });
}
