// Finds the children and zombie children of a process by scanning every
// /proc/<pid>/stat: /proc/*/task/*/children needs CONFIG_PROC_CHILDREN, which
// common kernels (this one included) lack. Parsing lives in one place,
// process/proc-stat.ts; this file only answers the reaper's two questions.
import { listProcesses, type ProcStat } from '../process/proc-stat.js';

export { readProcStat, type ProcStat } from '../process/proc-stat.js';

/**
 * The zombies whose parent is `parent` (by default this process), by pid. A
 * 'Z' thread-group leader with other threads still running (it called
 * pthread_exit()) has not exited and is not listed.
 */
export function zombieChildren(parent: number = process.pid): Map<number, ProcStat> {
  const zombies = new Map<number, ProcStat>();
  for (const stat of listProcesses()) {
    if (stat.state === 'zombie' && stat.ppid === parent && !(stat.threads > 1)) zombies.set(stat.pid, stat);
  }
  return zombies;
}

/** Every child of `parent`, whatever its state, with its start time. */
export function childrenOf(parent: number = process.pid): Map<number, number> {
  const children = new Map<number, number>();
  for (const stat of listProcesses()) {
    if (stat.ppid === parent) children.set(stat.pid, stat.startTime);
  }
  return children;
}
