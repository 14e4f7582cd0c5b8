// What the orphans worker is asked and what it answers (one JSON line).

/** Arguments, in argv order after the worker file. */
export interface OrphansJob {
  maker: string;
  slotFile: string;
  count: number;
  spreadMs: number;
  offsetMs: number;
}

/** The worker's answer. */
export interface OrphansReport {
  /** [pid, CLOCK_MONOTONIC ns as a decimal string] of every exit event received. */
  woke: [number, string][];
  /** Events whose outcome was 'reaped'. */
  reaped: number;
  /** Zombies whose parent is the worker, found by its own /proc scan at the end. */
  zombies: number;
  /** Reaper counters at the end. */
  adoptedTotal: number;
  sweeps: number;
  /** Full /proc scans the sweeps ran (only when a zombie that is not ours hides the others). */
  scans: number;
  /** True when not every orphan was reported within the deadline. */
  timedOut: boolean;
}

// Turns a job into worker arguments.
export function jobArgs(job: OrphansJob): string[] {
  return [job.maker, job.slotFile, String(job.count), String(job.spreadMs), String(job.offsetMs)];
}

// Reads a job back from process.argv.slice(2).
export function parseJob(argv: readonly string[]): OrphansJob {
  const [maker = '', slotFile = '', count, spreadMs, offsetMs] = argv;
  return { maker, slotFile, count: Number(count), spreadMs: Number(spreadMs), offsetMs: Number(offsetMs) };
}
