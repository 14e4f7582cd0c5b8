// Signals that reach exitmon before it handles them. As PID 1 (a container
// without --init) no signal has a default action: the kernel drops one that
// arrives before a handler exists, so a `docker stop` in exitmon's first
// ~200 ms (Node's start-up, then loading the library) was lost, and the
// command ran on. tini blocks every signal first thing; Node cannot, but the
// bin can listen first thing: bin.ts holds SIGTERM, SIGINT, SIGHUP and
// SIGQUIT from then on (it defines the hold itself, so that no module more
// is loaded on every start), and `run` and `up` take them over here, through
// the same global key (re-raised to exitmon itself), once they handle
// signals. Outside PID 1 an early signal still ends exitmon by its default
// action before any command started, which leaves nothing behind. Node only: under Bun a caught signal counts as
// the runtime's own and would not be forwarded (signal-forwarder.ts).
// Constants only above the hand-over: bin.ts imports them, and the bundler
// inlines them into the tiny executable.
/** Where bin.ts keeps its hold, on globalThis (a registered symbol: the bin and the bundle are separate files). */
export const EARLY_SIGNALS_KEY = Symbol.for('exitmon.cli.earlySignals');
/** The signals held from the first line on: those that stop `run`'s command or `up`'s services. */
export const HELD_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];

/**
 * What becomes of a held signal whose listener runs after the hand-over (it
 * arrived before, its dispatch came later): `reraise` when exitmon's own
 * handler is native (it replaced the runtime's, so nothing else sees the
 * dispatch), `drop` when the subcommand's JavaScript listeners get the same
 * dispatch, `release` to stop holding at all (default actions come back).
 */
export type LateSignals = 'reraise' | 'drop' | 'release';

/** The hold bin.ts installs at KEY. */
export interface Hold {
  handOver(late: LateSignals): void;
}

/** Hands the held signals over (re-raised now, in order); once, by whoever handles signals first. */
export function handOverEarlySignals(late: LateSignals): void {
  const global = globalThis as { [EARLY_SIGNALS_KEY]?: Hold };
  const hold = global[EARLY_SIGNALS_KEY];
  delete global[EARLY_SIGNALS_KEY];
  hold?.handOver(late);
}
