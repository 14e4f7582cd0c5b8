// `cleanup`: when this process exits, every live managed process's group (or
// cgroup) gets its killSignal, the way execa kills its children. Three ways
// out are covered: a normal exit and an uncaught exception or unhandled
// rejection (Node and Bun emit process 'exit' for both; Deno emits no 'exit'
// then, only 'uncaughtExceptionMonitor', which is also listened to), and
// SIGINT/SIGTERM/SIGHUP with their default (fatal) disposition. For those signals a listener is installed only while nobody
// else listens, so a host that handles them keeps handling them; ours runs
// the cleanup and re-raises the signal with the default disposition, so the
// process still dies of it (status 128 + n, as before).

/** One thing to kill at exit; must be synchronous and must not throw. */
export type ExitKill = () => void;

const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const live = new Set<ExitKill>();
const ourListeners = new Map<NodeJS.Signals, () => void>();
let exitListening = false;

// Runs every registered kill once.
function killAll(): void {
  for (const kill of [...live]) {
    live.delete(kill);
    try {
      kill();
    } catch {
      // At exit nothing can be done about one failure; the others still run.
    }
  }
}

// An uncaught exception or rejection ends the process unless someone handles
// it: then, and only then, is this the exit.
function onFatalError(_error: unknown, origin: string): void {
  if (process.listenerCount('uncaughtException') > 0) return;
  if (origin === 'unhandledRejection' && process.listenerCount('unhandledRejection') > 0) return;
  killAll();
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else listens too: the host decided what this signal means.
  if (process.listenerCount(signal) > 1) return;
  killAll();
  uninstall();
  process.kill(process.pid, signal); // now with the default disposition: fatal
}

function install(): void {
  if (!exitListening) {
    process.on('exit', killAll);
    process.on('uncaughtExceptionMonitor', onFatalError);
    exitListening = true;
  }
  for (const signal of FATAL_SIGNALS) {
    if (ourListeners.has(signal) || process.listenerCount(signal) > 0) continue;
    const listener = (): void => onSignal(signal);
    ourListeners.set(signal, listener);
    process.on(signal, listener);
  }
}

function uninstall(): void {
  if (exitListening) {
    process.off('exit', killAll);
    process.off('uncaughtExceptionMonitor', onFatalError);
  }
  exitListening = false;
  for (const [signal, listener] of ourListeners) process.off(signal, listener);
  ourListeners.clear();
}

/**
 * Registers a kill to run at exit; returns its unregistration. The listeners
 * stay installed when the list empties: with nothing to kill, ours re-raises
 * at once, which is exactly the default action, and installing signal
 * watchers anew for every short-lived process costs more than the spawn.
 */
export function killAtExit(kill: ExitKill): () => void {
  live.add(kill);
  if (!exitListening) install();
  return () => {
    live.delete(kill);
  };
}
