// Process state from /proc/<pid>/stat: read-only, so checking a process never
// reaps it (unlike waitpid(WNOHANG), which collects a zombie as a side effect;
// lemonade #2298 lost exit codes that way). The lowest layer above core: every
// piece of /proc knowledge of exitmon lives in src/proc/; this module reads
// and parses, liveness.ts holds the one rule for "has this process exited?".
import { readdirSync, readFileSync } from 'node:fs';
import { isRuntimeRefusal, NativeUnavailableError } from '../core/errors.js';

/** What /proc says a process is doing (proc(5), the `state` field). */
export type ProcessState =
  | 'running' // R
  | 'sleeping' // S
  | 'disk-sleep' // D
  | 'stopped' // T
  | 'tracing-stop' // t (T on kernels before 2.6.33)
  | 'zombie' // Z
  | 'dead' // X (x before 3.13)
  | 'idle' // I (kernel threads, 4.14+)
  | 'unknown'; // W, P, K and anything newer, or no /proc to ask

/** The fields of /proc/<pid>/stat that exitmon uses. */
export interface ProcStat {
  readonly pid: number;
  /** The command name (`comm`), at most 15 bytes, may contain `)` and spaces. */
  readonly comm: string;
  readonly state: ProcessState;
  readonly ppid: number;
  /** Process group id. */
  readonly pgrp: number;
  /** Session id. */
  readonly sid: number;
  /**
   * Number of threads (field 20). A 'Z' thread-group leader with `threads > 1`
   * has only called pthread_exit(): the process still runs.
   */
  readonly threads: number;
  /** Start time in clock ticks after boot: with `pid`, identifies a process across pid reuse. */
  readonly startTime: number;
  /** A zombie's waitpid(2)-style status (field 52, Linux ≥ 3.5), when the kernel shows it. */
  readonly exitStatus: number | undefined;
}

const STATES: Readonly<Record<string, ProcessState>> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  T: 'stopped',
  t: 'tracing-stop',
  Z: 'zombie',
  X: 'dead',
  x: 'dead',
  I: 'idle',
  // W (paging, before 2.6), P (parked, 3.9–3.13) and K (wakekill, 2.6.33–3.13)
  // are transient kernel-side states: the process exists but we say no more.
  W: 'unknown',
  P: 'unknown',
  K: 'unknown',
};

// Index of each field in the text after the last ')', split on spaces;
// proc(5) numbers them from 1 with state = 3.
const FIELD_STATE = 0;
const FIELD_PPID = 1;
const FIELD_PGRP = 2;
const FIELD_SID = 3;
const FIELD_NUM_THREADS = 17;
const FIELD_STARTTIME = 19;
const FIELD_EXIT_CODE = 49;

/** The mount point read for process information. */
export const PROC_ROOT = '/proc';

let procAvailable: boolean | undefined;

// A runtime that refuses /proc or kill(2) (Deno without -A: /proc needs
// --allow-all, signals --allow-run) must fail loudly, with the runtime's
// error (which names the flag) as the cause: read as "gone", live processes
// would be reported exited and stops would leave them running. Never cached.
export function rethrowRefusal(error: unknown, feature = 'Reading /proc'): void {
  if (isRuntimeRefusal(error)) throw new NativeUnavailableError(feature, { cause: error });
}

// Whether /proc is mounted with per-process entries; probed once, like
// containerd's capability checks, because it does not change while we run.
export function hasProcFs(): boolean {
  if (procAvailable === undefined) {
    try {
      readFileSync(`${PROC_ROOT}/self/stat`, 'latin1');
      procAvailable = true;
    } catch (error) {
      rethrowRefusal(error);
      procAvailable = false;
    }
  }
  return procAvailable;
}

// Parses the text of a stat file. The command name sits between the first '('
// and the LAST ')': it may itself contain ')', ' ' and state-like letters, so
// searching forwards (or splitting on spaces) misreads `x) Z (y` as a zombie.
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 2).trimEnd().split(' ');
  const letter = fields[FIELD_STATE];
  if (!Number.isInteger(pid) || letter === undefined || letter.length === 0) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: STATES[letter] ?? 'unknown',
    ppid: Number(fields[FIELD_PPID]),
    pgrp: Number(fields[FIELD_PGRP]),
    sid: Number(fields[FIELD_SID]),
    threads: Number(fields[FIELD_NUM_THREADS]),
    startTime: Number(fields[FIELD_STARTTIME]),
    exitStatus: fields[FIELD_EXIT_CODE] === undefined ? undefined : Number(fields[FIELD_EXIT_CODE]),
  };
}

// Reads and parses /proc/<pid>/stat; null when the process is gone (or /proc
// is missing). Callers validate pid.
export function readProcStat(pid: number | 'self'): ProcStat | null {
  return readStatFile(`${PROC_ROOT}/${pid}/stat`);
}

// The stats of pid's threads other than its leader (under /proc/<pid>/task/),
// read one at a time as the caller asks; a thread that ended meanwhile is
// skipped, and nothing comes when the task list cannot be read.
export function* otherThreadStats(pid: number): Generator<ProcStat> {
  let tids: string[];
  try {
    tids = readdirSync(`${PROC_ROOT}/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    if (tid === String(pid)) continue;
    const stat = readStatFile(`${PROC_ROOT}/${pid}/task/${tid}/stat`);
    if (stat !== null) yield stat;
  }
}

// Reads and parses one stat file (a process's, or a thread's under task/).
function readStatFile(path: string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    rethrowRefusal(error);
    // ENOENT: gone; ESRCH: exited between open and read. Either way, no process.
    return null;
  }
  return parseProcStat(text);
}

// The start time of pid: null when there is no such process (ENOENT, ESRCH),
// undefined when /proc could not be read (EMFILE, ENFILE: exactly when the
// poller stands in for a pidfd that could not be opened).
export function readStartTime(pid: number): number | null | undefined {
  let text: string;
  try {
    text = readFileSync(`${PROC_ROOT}/${pid}/stat`, 'latin1');
  } catch (error) {
    rethrowRefusal(error);
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? null : undefined;
  }
  return parseProcStat(text)?.startTime ?? null;
}

/**
 * Every process visible in /proc (thread-group leaders), read-only. Scans
 * /proc/[pid]/stat: kernels built without CONFIG_PROC_CHILDREN (this one) have
 * no /proc/<pid>/task/<tid>/children. Costs about 25–40 µs per process here;
 * processes that exit during the scan are skipped. Empty without /proc.
 *
 * @example
 * const zombies = listProcesses().filter((p) => p.ppid === process.pid && p.state === 'zombie');
 */
export function listProcesses(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync(PROC_ROOT);
  } catch (error) {
    rethrowRefusal(error);
    return [];
  }
  const out: ProcStat[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // only the numeric (per-process) entries
    const stat = readProcStat(Number(name));
    if (stat !== null) out.push(stat);
  }
  return out;
}

// The process group of this process, read fresh each time (a native addon may
// call setpgid/setsid on us). Undefined without /proc.
export function ownProcessGroup(): number | undefined {
  return readProcStat('self')?.pgrp;
}
