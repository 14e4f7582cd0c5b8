// Whether a number names a thread rather than a process: /proc/<tid> answers
// for every thread (hidden from the listing, but there), and its Tgid line
// (proc(5)) names the process the thread belongs to. pidfd_open(2) refuses a
// thread that is not its group's leader (ENOENT since Linux 6.9, EINVAL
// before), which alone says nothing a user could act on.
import { readFileSync } from 'node:fs';
import { PROC_ROOT } from './stat.js';

// The process `tid` is a thread of, when it is not that process's leader; else undefined (a process, gone, or no /proc).
function threadOfProcess(tid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`${PROC_ROOT}/${tid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const tgid = Number(/^Tgid:\s*(\d+)$/m.exec(text)?.[1]);
  return Number.isInteger(tgid) && tgid > 0 && tgid !== tid ? tgid : undefined;
}

/** The RangeError of a pid that names a thread; `threadOf` is its process, for callers that word it their own way (the CLI). */
export type ThreadPidError = RangeError & { readonly threadOf: number };

/** A RangeError naming the process when `pid` is one of its threads (watch the process instead); else undefined. */
export function notAThread(pid: number): ThreadPidError | undefined {
  const process = threadOfProcess(pid);
  if (process === undefined) return undefined;
  const error = new RangeError(`Expected \`pid\` to name a process, got ${pid}, a thread of process ${process}`);
  // Not enumerable: the error still equals (and prints as) a plain RangeError.
  return Object.defineProperty(error, 'threadOf', { value: process }) as ThreadPidError;
}

/** The process whose thread `error` says a pid was (a ThreadPidError), else undefined. */
export function threadOfError(error: unknown): number | undefined {
  return error instanceof RangeError && typeof (error as Partial<ThreadPidError>).threadOf === 'number' ? (error as ThreadPidError).threadOf : undefined;
}
