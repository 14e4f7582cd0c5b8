// `exitmon up [-f FILE]`: supervise the services of exitmon.yaml as a child
// subreaper (or PID 1): start them in dependency order, print one line per
// service event, reap every orphan, stop them in reverse order on SIGTERM,
// SIGINT, SIGHUP or SIGQUIT (a second one escalates to SIGKILL at once),
// verify nothing is left.
import { setMaxListeners } from 'node:events';
import type { Registry } from 'prom-client';
import { ServiceConfigError, ServiceManager, DEFAULT_SERVICE_FILES, type StopResult } from '../index.js';
import { forwardableSignals, FORWARDED_SIGNAL_NAMES } from '../process/signal-forwarder.js';
import { servicesFilesIn } from '../services/load.js';
import type { CliContext } from './context.js';
import { HELD_SIGNALS, handOverEarlySignals } from './early-signals.js';
import { ServiceEventPrinter } from './service-format.js';
import { writeErr } from './stdio.js';
import { registerServiceMetrics } from './service-metrics.js';
import { keepIgnored } from './start-ignored.js';
import { Supervisor } from './supervisor.js';

/** `up`'s exit status for a bad or missing services file. */
export const BAD_FILE_STATUS = 2;

/** Grace given to orphans still running once every service stopped, in ms. */
export const ORPHAN_GRACE_MS = 5000;
// Each stops the services (a second one escalates): SIGHUP too, so that
// closing the terminal `up` runs in stops what it started instead of killing
// `up` alone and leaving every service (each in its own group, so the hangup
// does not reach them) running unsupervised; SIGQUIT as supervisord does.
// They are the signals the bin holds from its first line on.
const STOP_SIGNALS = HELD_SIGNALS;
// What `run` forwards whose default action would end `up` and orphan its
// services: logged and otherwise ignored. Left out: the stop signals above,
// those whose default action is harmless or a stop (SIGPIPE the runtimes
// ignore already), and SIGPWR under Bun, whose garbage collector suspends
// threads with it (see docs/cli.md).
const NOT_FATAL: ReadonlySet<string> = new Set(['SIGWINCH', 'SIGURG', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGPIPE']);
const SURVIVED_SIGNALS: readonly NodeJS.Signals[] = FORWARDED_SIGNAL_NAMES.filter(
  (signal) => !STOP_SIGNALS.includes(signal) && !NOT_FATAL.has(signal) && !(signal === 'SIGPWR' && typeof process.versions.bun === 'string'),
);

/** What `up` needs from the command line. */
export interface UpOptions {
  /** The services file; default: the first of DEFAULT_SERVICE_FILES in the working directory. */
  readonly file?: string;
  readonly quiet: boolean;
}

/**
 * Runs the services until they all ended or a stop signal came; resolves
 * with exit status 0, 1 or 2. `serveMetrics` starts the metrics server once
 * the file proved valid; a status when it could not (then `up` exits with it).
 */
export async function runUp(options: UpOptions, context: CliContext, registry?: Registry, serveMetrics: () => Promise<number | undefined> = async () => undefined): Promise<number> {
  const { logger } = context;
  const found = options.file === undefined ? servicesFilesIn() : [];
  const file = options.file ?? found[0];
  // Two of them is usually a leftover; say which one runs, as docker compose does.
  if (found.length > 1) logger.warn({ file, ignored: found.slice(1) }, `several services files here: using ${file}, not ${found.slice(1).join(', ')}`);
  if (file === undefined) {
    writeErr(`exitmon: no services file: none of ${DEFAULT_SERVICE_FILES.join(', ')} in ${process.cwd()} (or give -f FILE)\n`);
    return BAD_FILE_STATUS;
  }
  let manager: ServiceManager;
  try {
    // JSON lines on stdout stay parseable: the services' own output goes to stderr then.
    const stdio = context.format === 'json' ? 'stderr' : 'inherit';
    manager = await ServiceManager.load(file, { monitor: context.reaper.monitor, logger, stdio });
  } catch (error) {
    if (!(error instanceof ServiceConfigError)) throw error;
    writeErr(`exitmon: ${error.message}\n`);
    return BAD_FILE_STATUS;
  }
  const failed = await serveMetrics();
  if (failed !== undefined) return failed;
  // Adopts and reaps orphans (a service's setsid grandchild whose parent died); exit lines are the services' events instead.
  const supervisor = new Supervisor({ reaper: context.reaper, logger, printer: null, adoptOrphans: true, defaultRole: 'orphan' });
  const printer = options.quiet ? null : new ServiceEventPrinter(context.format, Object.keys(manager.status()), { color: context.color });
  manager.events.subscribe((event) => printer?.print(event));
  const stopCounting = registry === undefined ? undefined : registerServiceMetrics(registry, manager);

  // Handlers go in before the start: a SIGTERM during the start stops cleanly.
  let signals = 0;
  const escalate = new AbortController();
  setMaxListeners(0, escalate.signal); // one listener per orphan's stop: no false leak warning
  let stopRequested!: () => void;
  const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      logger.info({ signal }, `${signal}: stopping the services in reverse dependency order`);
      stopRequested();
    } else {
      logger.warn({ signal }, `${signal} again: killing everything now`);
      escalate.abort();
      void manager.forceStop();
    }
  };
  const onOther = (signal: NodeJS.Signals): void => logger.info({ signal }, `${signal} ignored: SIGTERM, SIGINT, SIGHUP or SIGQUIT stop the services`);
  // Real-time signals set to SIG_IGN, and what was ignored at start (nohup) again.
  const ignorer = keepIgnored(context.startSigIgn, realtimeSignals());
  const stopSignals = STOP_SIGNALS.filter((signal) => !ignorer.startIgnored.has(signal));
  for (const signal of stopSignals) process.on(signal, onSignal);
  // A stop signal ignored at start gets a listener that only logs, not just
  // SIG_IGN: the services' exit cleanup (spawn's `cleanup`) adds a fatal
  // listener to SIGHUP, SIGINT and SIGTERM where nobody else listens.
  const onKept = (signal: NodeJS.Signals): void => logger.info({ signal }, `${signal} ignored: it was ignored when exitmon started (nohup)`);
  const keptIgnored = STOP_SIGNALS.filter((signal) => ignorer.startIgnored.has(signal));
  for (const signal of keptIgnored) process.on(signal, onKept);
  const survived = SURVIVED_SIGNALS.filter((signal) => !ignorer.startIgnored.has(signal) && listenIfPossible(signal, onOther));
  handOverEarlySignals('drop'); // our listeners see every dispatch from now on
  try {
    void manager.start().catch(() => undefined); // rejects only when a stop came first
    await Promise.race([stopping, manager.whenIdle()]);
    // Read before the stop, which turns every pending service 'stopped'.
    const neverStarted = manager.unstartable();
    const result = await manager.stop();
    const orphans = await supervisor.stopOrphans(ORPHAN_GRACE_MS, escalate.signal);
    const zombies = await supervisor.settle();
    const status = exitStatus(manager, result, orphans, neverStarted, context);
    logger.info({ survivors: result.survivors.length + orphans.length, zombies, status }, `done: ${result.survivors.length + orphans.length} survivor(s), ${zombies} zombie(s) left, exit status ${status}`);
    return status;
  } finally {
    for (const signal of stopSignals) process.off(signal, onSignal);
    for (const signal of keptIgnored) process.off(signal, onKept);
    for (const signal of survived) process.off(signal, onOther);
    ignorer.close();
    stopCounting?.();
    supervisor.close();
  }
}

// 0 when every service ended or stopped with nothing left, none failed, and
// none was left unable to start (a service the file asks for that never ran
// because its dependency ended is not a success, whatever that exit was).
function exitStatus(manager: ServiceManager, result: StopResult, orphans: readonly number[], neverStarted: readonly { service: string; why: string }[], context: CliContext): number {
  const failed = Object.entries(manager.status()).filter(([, s]) => s.state === 'failed').map(([name]) => name);
  const survivors = [...result.survivors, ...orphans];
  if (survivors.length > 0) context.logger.error({ survivors }, `${survivors.length} process(es) survived the stop`);
  if (failed.length > 0) context.logger.warn({ failed }, `failed: ${failed.join(', ')}`);
  if (neverStarted.length > 0) {
    const names = neverStarted.map((s) => s.service);
    context.logger.warn({ neverStarted: names }, `never started: ${neverStarted.map((s) => `${s.service} (${s.why})`).join(', ')}`);
  }
  return survivors.length === 0 && failed.length === 0 && neverStarted.length === 0 ? 0 : 1;
}

// The real-time signals (with the addon): no runtime lets JavaScript listen
// to them, and their default action would end exitmon and leave the services
// running unsupervised, so they are ignored; they cannot be logged. The
// services get default dispositions all the same (both spawn engines reset
// them).
function realtimeSignals(): Set<number> {
  const named = new Set<string>(FORWARDED_SIGNAL_NAMES);
  return new Set(forwardableSignals().filter((s) => !named.has(s.name)).map((s) => s.number));
}

// Listens to a signal where the runtime lets JavaScript do so (not every
// runtime supports every name); true when the listener is in place.
function listenIfPossible(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): boolean {
  try {
    process.on(signal, listener);
    return true;
  } catch {
    return false;
  }
}
