// Signals that reach exitmon before it handles them. As PID 1 (a container
// without --init) no signal has a default action: the kernel drops one that
// arrives before a handler exists, so a `docker stop` in exitmon's first
// ~200 ms (Node's start-up, then loading the library) was lost, and the
// command ran on. tini blocks every signal first thing; Node cannot, but the
// bin's first module can listen: this holds SIGTERM, SIGINT, SIGHUP and
// SIGQUIT from then on, and `run` and `up` take them over (re-raised to
// exitmon itself) once they handle signals. Outside PID 1 an early signal
// still ends exitmon by its default action before any command started,
// which leaves nothing behind. Node only: under Bun a caught signal counts as
// the runtime's own and would not be forwarded (signal-forwarder.ts).
const HELD: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];
const KEY = Symbol.for('exitmon.cli.earlySignals');

/**
 * What becomes of a held signal whose listener runs after the hand-over (it
 * arrived before, its dispatch came later): `reraise` when exitmon's own
 * handler is native (it replaced the runtime's, so nothing else sees the
 * dispatch), `drop` when the subcommand's JavaScript listeners get the same
 * dispatch, `release` to stop holding at all (default actions come back).
 */
export type LateSignals = 'reraise' | 'drop' | 'release';

interface Hold {
  handOver(late: LateSignals): void;
}

/** Starts holding (PID 1 under Node only; elsewhere a no-op). */
export function holdEarlySignals(): void {
  const versions = process.versions as { bun?: string; deno?: string };
  if (process.pid !== 1 || versions.bun !== undefined || versions.deno !== undefined) return;
  const held: NodeJS.Signals[] = [];
  let late: LateSignals | undefined;
  const listener = (signal: NodeJS.Signals): void => {
    if (late === undefined) held.push(signal);
    else if (late === 'reraise') process.kill(process.pid, signal);
  };
  for (const signal of HELD) process.on(signal, listener);
  const hold: Hold = {
    handOver(how) {
      late = how;
      // Removing the last listener of a signal resets it to SIG_DFL in
      // libuv, which would undo a native handler installed since: the
      // listener stays, idle, unless the holding is released.
      if (how === 'release') for (const signal of HELD) process.off(signal, listener);
      for (const signal of held.splice(0)) process.kill(process.pid, signal);
    },
  };
  (globalThis as { [KEY]?: Hold })[KEY] = hold;
}

/** Hands the held signals over (re-raised now, in order); once, by whoever handles signals first. */
export function handOverEarlySignals(late: LateSignals): void {
  const global = globalThis as { [KEY]?: Hold };
  const hold = global[KEY];
  delete global[KEY];
  hold?.handOver(late);
}
