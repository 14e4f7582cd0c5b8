// How a service's processes are stopped: its stopSignal, its stopGrace, then
// SIGKILL to everything of its tree, verified; once per process.
import type { Logger } from '../core/logger.js';
import type { ManagedProcess } from '../process/spawn.js';
import type { StopResult } from '../process/stop.js';
import type { ResolvedService } from './config.js';

type StopConfig = Pick<ResolvedService, 'name' | 'stopSignal' | 'stopGraceMs'>;

interface ProcessStop {
  readonly child: ManagedProcess;
  readonly done: Promise<StopResult>;
  /** Aborted when any caller escalates: SIGKILL at once. */
  readonly escalate: AbortController;
}

// stopSignal, stopGrace, SIGKILL; once `escalate` aborts, SIGKILL at once.
async function stopProcess(child: ManagedProcess, config: StopConfig, escalate: AbortSignal): Promise<StopResult> {
  const { stopSignal, stopGraceMs } = config;
  try {
    // Escalated before it began (forceStop): SIGKILL first, and a forced stop
    // whether or not the process was already dead when the stop looked again.
    return escalate.aborted
      ? { ...(await child.stop({ signal: 'SIGKILL', graceMs: 0 })), forced: true }
      : await child.stop({ signal: stopSignal, graceMs: stopGraceMs, signalAbort: escalate });
  } catch (error) {
    if (!escalate.aborted) throw error;
    return { ...(await child.stop({ signal: 'SIGKILL', graceMs: 0 })), forced: true };
  }
}

/**
 * The stop of a service's current process, one per process whoever asks: a
 * stop or restart of the service, its readiness timeout, or its exit: what it
 * left in its process group, with the members' descendants, is stopped too,
 * like systemd's KillMode=control-group, so a restart never runs next to the
 * remains of the previous instance. A
 * second caller joins the stop in progress (and may escalate it) instead of
 * signalling again: once a stop verified the group empty, its pgid may be
 * reused by a stranger. A failed stop is forgotten, so the next caller tries again.
 */
export class ProcessStops {
  readonly #config: StopConfig;
  readonly #logger: Logger;
  #current: ProcessStop | undefined;

  constructor(config: StopConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  /**
   * Stops `child`'s tree unless that stop began already; a failure is logged,
   * not thrown. `exited`: the process exited on its own, and what it left
   * behind is worth an info line.
   */
  begin(child: ManagedProcess, exited = false): void {
    this.#of(child, exited).done.catch(() => undefined);
  }

  /** The stop of `child`'s tree, begun now or joined; `escalate` aborting turns it into SIGKILL at once. */
  join(child: ManagedProcess, escalate: AbortSignal): Promise<StopResult> {
    // Escalated already (forceStop() before any stop): SIGKILL first, no polite signal.
    const stop = this.#of(child, false, escalate.aborted);
    if (escalate.aborted) {
      stop.escalate.abort();
      return stop.done;
    }
    // Listens only while this stop runs: a caller's signal may outlive many stops.
    const onAbort = (): void => stop.escalate.abort();
    escalate.addEventListener('abort', onAbort, { once: true });
    const unlisten = (): void => escalate.removeEventListener('abort', onAbort);
    stop.done.then(unlisten, unlisten);
    return stop.done;
  }

  #of(child: ManagedProcess, exited = false, escalated = false): ProcessStop {
    if (this.#current?.child === child) return this.#current;
    const { name } = this.#config;
    const what = exited ? `what ${name} left in its process group` : `the processes of ${name}`;
    const escalate = new AbortController();
    if (escalated) escalate.abort();
    const done = stopProcess(child, this.#config, escalate.signal).then(
      (result) => {
        if (exited && !result.alreadyExited) this.#logger.info({ service: name, forced: result.forced, survivors: result.survivors }, `stopped ${what}`);
        return result;
      },
      (error: unknown) => {
        if (this.#current === stop) this.#current = undefined;
        this.#logger.warn({ err: error, service: name }, `could not stop ${what}`);
        throw error;
      },
    );
    const stop: ProcessStop = { child, done, escalate };
    this.#current = stop;
    return stop;
  }
}
