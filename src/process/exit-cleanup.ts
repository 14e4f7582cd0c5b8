// `cleanup`: when this process exits, every live managed process's group (or
// cgroup) gets its killSignal, the way execa kills its children. The ways out
// covered: a normal exit and an uncaught exception or unhandled rejection
// (Node and Bun emit process 'exit' for both; Deno emits no 'exit' then, only
// 'uncaughtExceptionMonitor', which is also listened to), Deno.exit() (Deno
// dispatches 'unload' there, not process 'exit'), and SIGINT/SIGTERM/SIGHUP
// with their default (fatal) disposition. For those signals a listener is
// installed only while nobody else listens, so a host that handles them
// keeps handling them, and never for one that was ignored when exitmon was
// loaded (`nohup`: a listener would make it fatal); ours runs the cleanup
// and re-raises the signal with the default disposition, so the process
// still dies of it (status 128 + n). Dying of a signal tears down no worker
// thread, so the addon then kills the native spawns of every thread too.
// The addon adds a last net for native spawns (exitmon.c, at exit(3)): a
// worker thread whose runtime ends the process without tearing it down.
import { constants } from 'node:os';
import { loadedNative } from '../native/load.js';
import { caughtAtLoad, ignoredAtLoad } from './start-dispositions.js';

/** One thing to kill at exit; must be synchronous and must not throw. */
export type ExitKill = () => void;

const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface DenoSignals {
  addSignalListener?: (signal: string, handler: () => void) => void;
  removeSignalListener?: (signal: string, handler: () => void) => void;
}
const deno = (globalThis as { Deno?: DenoSignals }).Deno;
// Deno's global scope is an EventTarget (Node's types do not say so).
const scope = globalThis as { addEventListener?: (type: string, listener: () => void) => void; removeEventListener?: (type: string, listener: () => void) => void };

const live = new Set<ExitKill>();
const ourListeners = new Map<NodeJS.Signals, () => void>();
let exitListening = false;

// Deno: handlers added with Deno.addSignalListener are the host's too, but
// process.listenerCount cannot see them; counted from exitmon's load on.
// Deno's process.on() adds one through the same global: not while it adds ours.
const denoHandlers = new Map<string, Set<unknown>>();
let addingOurs = false;
if (deno !== undefined) countDenoSignalListeners(deno);

function countDenoSignalListeners(d: DenoSignals): void {
  const { addSignalListener: add, removeSignalListener: remove } = d;
  if (typeof add !== 'function' || typeof remove !== 'function') return;
  try {
    d.addSignalListener = function addSignalListener(signal, handler) {
      add.call(this, signal, handler);
      if (addingOurs) return;
      let set = denoHandlers.get(signal);
      if (set === undefined) denoHandlers.set(signal, (set = new Set()));
      set.add(handler);
    };
    d.removeSignalListener = function removeSignalListener(signal, handler) {
      remove.call(this, signal, handler);
      denoHandlers.get(signal)?.delete(handler);
    };
  } catch {
    // A frozen Deno namespace: only process.on listeners are seen.
  }
}

// Whether anyone but exitmon handles signal. On Deno a handler found when
// exitmon was loaded is a Deno.addSignalListener of the host's (Deno has none
// of its own for these at start); Node and Bun install their own at start.
function othersListen(signal: NodeJS.Signals): boolean {
  const ours = ourListeners.has(signal) ? 1 : 0;
  if (process.listenerCount(signal) > ours || (denoHandlers.get(signal)?.size ?? 0) > 0) return true;
  return deno !== undefined && caughtAtLoad(constants.signals[signal]);
}

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
  if (othersListen(signal)) return;
  killAll();
  // The native spawns of every thread (a worker's too): the signal ends the
  // process without tearing the workers down or running exit(3).
  loadedNative()?.killOwned?.();
  uninstall();
  process.kill(process.pid, signal); // now with the default disposition: fatal
}

function installSignals(): void {
  for (const signal of FATAL_SIGNALS) {
    if (ourListeners.has(signal) || othersListen(signal) || ignoredAtLoad(constants.signals[signal])) continue;
    const listener = (): void => onSignal(signal);
    ourListeners.set(signal, listener);
    addingOurs = true;
    try {
      process.on(signal, listener);
    } finally {
      addingOurs = false;
    }
  }
  keepIgnoredOnDeno();
}

// Deno (2.9) replaces an inherited SIG_IGN of SIGHUP and SIGINT with a
// handler of its own, which ends the process, as soon as any signal listener
// is added (ours included): put SIG_IGN back for those ignored at load that
// nobody listens to, so `nohup deno …` still survives its hangup.
function keepIgnoredOnDeno(): void {
  if (deno === undefined) return;
  for (const signal of ['SIGHUP', 'SIGINT'] as const) {
    const signo = constants.signals[signal];
    if (ignoredAtLoad(signo) && !othersListen(signal)) loadedNative()?.forwardSignal?.(signo, 2);
  }
}

function uninstallSignals(): void {
  for (const [signal, listener] of ourListeners) process.off(signal, listener);
  ourListeners.clear();
}

function install(): void {
  process.on('exit', killAll);
  process.on('uncaughtExceptionMonitor', onFatalError);
  if (deno !== undefined) scope.addEventListener?.('unload', killAll);
  exitListening = true;
}

function uninstall(): void {
  if (exitListening) {
    process.off('exit', killAll);
    process.off('uncaughtExceptionMonitor', onFatalError);
    if (deno !== undefined) scope.removeEventListener?.('unload', killAll);
  }
  exitListening = false;
  uninstallSignals();
}

/**
 * Registers a kill to run at exit; returns its unregistration. The signal
 * listeners go with the last kill: a JavaScript listener only runs when the
 * event loop turns, so one left in place would keep a busy process from
 * dying of SIGINT/SIGTERM/SIGHUP at once (and lose a signal that came during
 * its last synchronous work), long after its children are gone; and Deno
 * counts a signal listener as pending work (an unsettled top-level await
 * would hang instead of failing). Adding and removing the three costs about
 * 12 µs warm, once per run of overlapping children (ManagedChild unregisters
 * in the check phase, after a next spawn had its chance).
 */
export function killAtExit(kill: ExitKill): () => void {
  live.add(kill);
  if (!exitListening) install();
  if (ourListeners.size === 0) installSignals();
  return () => {
    if (live.delete(kill) && live.size === 0) uninstallSignals();
  };
}
