// Reads /proc/<pid>/stat without side effects, and finds the zombie children of
// a process by scanning every /proc/<pid>/stat: /proc/*/task/*/children needs
// CONFIG_PROC_CHILDREN, which common kernels (this one included) lack.
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat the reaper needs (proc(5)). */
export interface ProcStat {
  /** State letter: R S D T t Z X I … */
  readonly state: string;
  readonly ppid: number;
  /** Start time in clock ticks since boot: with the pid, the identity of a process. */
  readonly startTime: number;
  /** The waitpid(2)-style status of a zombie (field 52, Linux ≥ 3.5), when readable. */
  readonly exitStatus: number | undefined;
}

// Field numbers of proc(5) counted from the state field (field 3) after the
// last ')': the command name may itself contain ") Z (".
const STATE = 0;
const PPID = 4 - 3;
const START_TIME = 22 - 3;
const EXIT_CODE = 52 - 3;

/** Parses the text of a /proc/<pid>/stat file; undefined when malformed. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).trim().split(' ');
  const state = fields[STATE];
  const ppid = Number(fields[PPID]);
  if (!state || !Number.isInteger(ppid)) return undefined;
  const exit = fields[EXIT_CODE];
  return {
    state,
    ppid,
    startTime: Number(fields[START_TIME] ?? Number.NaN),
    exitStatus: exit === undefined ? undefined : Number(exit),
  };
}

/** The stat of pid, or null when there is no such process (or no /proc). */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  return parseProcStat(text) ?? null;
}

// Calls visit(pid, stat) for every process /proc lists (thread-group leaders).
function forEachProcess(visit: (pid: number, stat: ProcStat) => void): void {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return;
  }
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue; // only the numeric entries are processes
    const pid = Number(name);
    const stat = readProcStat(pid);
    if (stat !== null) visit(pid, stat);
  }
}

/** The zombies whose parent is `parent` (by default this process), by pid. */
export function zombieChildren(parent: number = process.pid): Map<number, ProcStat> {
  const zombies = new Map<number, ProcStat>();
  forEachProcess((pid, stat) => {
    if (stat.state === 'Z' && stat.ppid === parent) zombies.set(pid, stat);
  });
  return zombies;
}

/** Every child of `parent`, whatever its state, with its start time. */
export function childrenOf(parent: number = process.pid): Map<number, number> {
  const children = new Map<number, number>();
  forEachProcess((pid, stat) => {
    if (stat.ppid === parent) children.set(pid, stat.startTime);
  });
  return children;
}
