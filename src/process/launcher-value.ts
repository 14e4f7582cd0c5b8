// The bin's sh launcher line (tsup.config.ts) records what only it can see,
// before it execs the runtime, in EXITMON_START_* variables, each after its
// own pid (which the exec keeps): the SigIgn mask, the inherited fds,
// NODE_OPTIONS. A value after another pid is not this start's: a variable
// the environment carried over from an earlier exitmon, or exitmon started
// without the launcher (`node main.js`). This is the one place that decides.

/**
 * The launcher's value in `raw` (`PID` + `separator` + value) when PID is
 * this process; undefined when `raw` is absent, malformed or another
 * process's. `PID` alone (nothing recorded) gives ''.
 */
export function ownLauncherValue(raw: string | undefined, separator: ':' | ' '): string | undefined {
  if (raw === undefined) return undefined;
  const at = raw.indexOf(separator);
  const pid = at < 0 ? raw : raw.slice(0, at);
  if (!/^\d+$/.test(pid) || Number(pid) !== process.pid) return undefined;
  return at < 0 ? '' : raw.slice(at + 1);
}
