// `exitmon watch PID…`: print the exits of processes that already exist.
// Non-children cannot be waited for, only seen to go (pidfd readiness, or
// /proc polling without the addon): their outcome is 'unknown', status -1.
import { NoSuchProcessError } from '../index.js';
import { threadOfError } from '../proc/thread-group.js';
import type { CliContext } from './context.js';
import { keepIgnored } from './start-ignored.js';
import { Supervisor } from './supervisor.js';

/** `watch` exits 1 when some pid could not be watched (0 when all were, and exited). */
export const WATCH_FAILED_STATUS = 1;

// A ref'd timer: the reaper's handles are unref'd by design, so something
// must keep node alive while we wait.
const KEEPALIVE_MS = 2 ** 30;

/** Watches every pid until it is gone; returns the exit status for exitmon. */
export async function watchPids(pids: readonly number[], context: CliContext): Promise<number> {
  const { reaper, logger } = context;
  const supervisor = new Supervisor({ reaper, logger, printer: context.printer, adoptOrphans: false, defaultRole: 'watched' });
  const keepAlive = setInterval(() => undefined, KEEPALIVE_MS);
  // `nohup exitmon watch PID`: a hangup must not end it. Other signals keep their default action.
  const ignorer = keepIgnored(context.startSigIgn);
  let failed = 0;
  try {
    const exits: Promise<unknown>[] = [];
    for (const pid of pids) {
      if (pid === process.pid) {
        logger.error({ watchedPid: pid }, `cannot watch ${pid}: it is exitmon itself`);
        failed++;
        continue;
      }
      try {
        // watch() first: it forgets any remembered exit of an earlier process
        // with this pid (pid reuse), so waitPid() waits for this process.
        // Publishing is asynchronous: waiting right after watch() cannot miss the exit.
        reaper.watch(pid);
        exits.push(reaper.monitor.waitPid(pid));
      } catch (error) {
        failed++;
        const process = threadOfError(error);
        const reason =
          error instanceof NoSuchProcessError ? 'no such process'
          : process !== undefined ? `it is a thread of process ${process} (watch ${process} instead)`
          : (error as Error).message;
        logger.error({ watchedPid: pid }, `cannot watch ${pid}: ${reason}`);
      }
    }
    if (exits.length > 0) logger.debug({ pids: exits.length }, `watching ${exits.length} pid(s)`);
    await Promise.all(exits);
    await supervisor.settle();
  } finally {
    clearInterval(keepAlive);
    ignorer.close();
    supervisor.close();
  }
  return failed > 0 ? WATCH_FAILED_STATUS : 0;
}
