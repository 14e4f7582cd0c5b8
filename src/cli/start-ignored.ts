// Signals that were ignored when exitmon started stay ignored in `watch` and
// `up`, as they do in `run` (and under tini): `nohup exitmon up &` must
// outlive the terminal's hangup, and a script's `exitmon watch PID &` (a
// non-interactive shell starts background jobs with SIGINT and SIGQUIT
// ignored) the user's Ctrl-C. Node resets an inherited SIG_IGN to the default
// action at start-up, so the launcher's mask (CliContext.startSigIgn) says
// what was ignored, and the addon sets SIG_IGN again (without the addon, a
// listener that does nothing takes the signal). `run` does the same through
// its JobControl, which forwards the rest.
import { SignalForwarder, forwardableSignals, signalsToLeaveAlone, START_SIGIGN_ENV } from '../process/signal-forwarder.js';

/** The signals kept ignored, until close() restores their dispositions. */
export interface IgnoredSignals {
  /** Names of the signals that were ignored at start (those with one: real-time signals have none here). */
  readonly startIgnored: ReadonlySet<string>;
  close(): void;
}

/**
 * Sets every signal ignored at start to SIG_IGN again, and `alsoIgnore` too
 * (signal numbers); leaves every other disposition alone.
 */
export function keepIgnored(startSigIgn: string | undefined, alsoIgnore: ReadonlySet<number> = new Set()): IgnoredSignals {
  const { ignored, runtimeOwned } = signalsToLeaveAlone(undefined, startSigIgn === undefined ? {} : { [START_SIGIGN_ENV]: startSigIgn });
  const all = forwardableSignals();
  const ignore = new Set([...alsoIgnore, ...[...ignored].filter((n) => !runtimeOwned.has(n))]);
  const forwarder = new SignalForwarder({
    leaveAlone: new Set(all.filter((s) => !ignore.has(s.number)).map((s) => s.number)),
    ignore,
  });
  forwarder.start();
  const startIgnored = new Set(all.filter((s) => ignored.has(s.number) && !runtimeOwned.has(s.number)).map((s) => s.name));
  return { startIgnored, close: () => forwarder.close() };
}
