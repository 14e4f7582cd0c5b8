// What the stop worker is asked and what it answers (one JSON line).

/** Arguments, in argv order after the worker file. */
export interface StopJob {
  groupBinary: string;
  /** Groups stopped all at once. */
  groups: number;
  /** Groups stopped one after another (after the concurrent batch). */
  sequentialGroups: number;
  members: number;
  graceMs: number;
}

/** One stopped group. */
export interface GroupOutcome {
  ignoresTerm: boolean;
  concurrent: boolean;
  durationMs: number;
  forced: boolean;
  survivors: number;
}

/** The worker's answer. */
export interface StopReport {
  outcomes: GroupOutcome[];
  /** Members of any benchmark group still alive (not zombies) by an independent /proc scan at the end. */
  aliveAfter: number;
  /** Zombies whose parent is the worker at the end (orphaned members are adopted and reaped). */
  zombies: number;
}

// Turns a job into worker arguments.
export function jobArgs(job: StopJob): string[] {
  return [job.groupBinary, String(job.groups), String(job.sequentialGroups), String(job.members), String(job.graceMs)];
}

// Reads a job back from process.argv.slice(2).
export function parseJob(argv: readonly string[]): StopJob {
  const [groupBinary = '', groups, sequentialGroups, members, graceMs] = argv;
  return { groupBinary, groups: Number(groups), sequentialGroups: Number(sequentialGroups), members: Number(members), graceMs: Number(graceMs) };
}
