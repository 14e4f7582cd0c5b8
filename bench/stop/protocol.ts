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

/**
 * Per-process cost of signalling, measured on the live members of the
 * concurrent batch right before it is stopped (signal 0: nothing is
 * disturbed), in µs per process.
 */
export interface SignalCost {
  processes: number;
  /** Whether the addon was loaded (pidfd pins) in the worker. */
  pidfds: boolean;
  /** Pinning one member: pidfd_open(2) plus re-reading its start time (what a stop's first look adds). */
  pinUs: number;
  /** One signal through the pin: pidfd_send_signal(2), or the /proc check plus kill(2) without the addon. */
  pinnedSignalUs: number;
  /** One plain kill(2) by pid (not PID-reuse safe). */
  plainKillUs: number;
  /** The poll fallback's check: read /proc/<pid>/stat, compare the start time, then kill(2). */
  identityCheckKillUs: number;
}

/** The worker's answer. */
export interface StopReport {
  outcomes: GroupOutcome[];
  signalCost: SignalCost;
  /** Members of any benchmark group still alive (not zombies) by an independent /proc scan at the end. */
  aliveAfter: number;
  /** Zombies whose parent is the worker at the end (orphaned members are adopted and reaped). */
  zombies: number;
  /**
   * The kernel's share, without exitmon: a fresh batch of the SIGTERM-ignoring
   * groups, SIGKILL to all of them at once, and for each group the ms until
   * /proc shows none of its members alive (zombies have exited).
   */
  floorMs: number[];
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
