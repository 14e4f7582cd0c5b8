// The supervision core shared by `run`, `up` and `demo`: adopt orphans,
// start commands in their own process groups, print every exit, forward
// signals, stop leftovers with escalation and wait until no zombie is left.
import type { StdioOptions } from 'node:child_process';
import type { Logger as PinoLogger } from 'pino';
import {
  NativeUnavailableError,
  spawn,
  stopProcessGroup,
  type ExitEvent,
  type ExitSubscription,
  type ManagedProcess,
  type Reaper,
  type StopResult,
} from '../index.js';
import type { ExitContext, ExitPrinter } from './format.js';

/** The signals `demo` passes on to its process groups (`run` forwards every catchable one: JobControl). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** How long the CLI waits for the reaper to collect the last zombies, in ms. */
export const SETTLE_TIMEOUT_MS = 3000;
const SETTLE_POLL_MS = 10;

// Processes can be re-parented to us while we stop others (their parent died
// in the stop): a few rounds catch those without looping forever.
const LEFTOVER_ROUNDS = 3;

/** What a Supervisor needs. */
export interface SupervisorOptions {
  readonly reaper: Reaper;
  readonly logger: PinoLogger;
  /** Where exit lines go; null with --quiet. */
  readonly printer: ExitPrinter | null;
  /** Adopt and reap orphans (child subreaper). Always on as PID 1. */
  readonly adoptOrphans: boolean;
  /** The role of exits of processes this supervisor did not start. */
  readonly defaultRole: ExitContext['role'];
}

/** Supervises processes under one reaper. */
export class Supervisor {
  readonly reaper: Reaper;
  readonly #logger: PinoLogger;
  readonly #printer: ExitPrinter | null;
  readonly #defaultRole: ExitContext['role'];
  readonly #contexts = new Map<number, ExitContext>();
  readonly #subscription: ExitSubscription;
  readonly #signalHandlers = new Map<NodeJS.Signals, () => void>();
  #adopting = false;
  /** Exits seen, by outcome. */
  readonly exits = { total: 0, reaped: 0, observed: 0, unknown: 0 };
  /** Stops that had to escalate to SIGKILL. */
  forcedStops = 0;

  constructor(options: SupervisorOptions) {
    this.reaper = options.reaper;
    this.#logger = options.logger;
    this.#printer = options.printer;
    this.#defaultRole = options.defaultRole;
    // Subscribe before anything starts, so no exit can be missed.
    this.#subscription = this.reaper.monitor.subscribe('all', (event) => this.#onExit(event));
    const init = process.pid === 1;
    if (options.adoptOrphans || init) this.#adopting = this.#becomeSubreaper(init);
    else this.#logger.debug('not a subreaper: only our own children are reaped');
  }

  /** True when orphans are adopted and reaped here. */
  get adopting(): boolean {
    return this.#adopting;
  }

  // Starts a command as the leader of its own process group; its exit line
  // carries `role` and its command line.
  // `foreground`, `ignoredSignals` and `openFileLimit` are the native
  // engine's (see JobControl and start-limits.ts).
  start(
    command: string,
    args: readonly string[],
    options: { role: ExitContext['role']; execId?: string; stdio?: StdioOptions; foreground?: boolean; ignoredSignals?: NodeJS.Signals[]; openFileLimit?: number },
  ): ManagedProcess {
    const managed = spawn(command, args, {
      monitor: this.reaper.monitor,
      processGroup: true,
      ...(options.foreground === true ? { foreground: true } : {}),
      ...(options.ignoredSignals !== undefined ? { ignoredSignals: options.ignoredSignals } : {}),
      ...(options.openFileLimit !== undefined ? { openFileLimit: options.openFileLimit } : {}),
      stdio: options.stdio ?? 'inherit',
      ...(options.execId !== undefined ? { execId: options.execId } : {}),
      // The supervisor forwards every signal to the group itself (from C, see
      // SignalForwarder) and stops what is left when the command ends. spawn's
      // cleanup would add SIGINT/SIGTERM/SIGHUP listeners that replace those
      // handlers and kill the group on the first Ctrl-C.
      cleanup: false,
    });
    if (!Number.isNaN(managed.pid)) {
      this.#contexts.set(managed.pid, { role: options.role, command: [command, ...args], startedAt: Date.now() });
    }
    return managed;
  }

  // Passes FORWARDED_SIGNALS on to the process groups `targets()` names.
  // Installing a handler also keeps node's default action (exit) away, so a
  // SIGTERM leads to the command's exit, and exitmon exits with its status.
  forwardSignals(targets: () => Iterable<number>): void {
    for (const signal of FORWARDED_SIGNALS) {
      const handler = (): void => {
        for (const pgid of targets()) {
          try {
            process.kill(-pgid, signal);
            // SIGWINCH comes with every terminal resize: not worth an info line.
            const level = signal === 'SIGWINCH' ? 'debug' : 'info';
            this.#logger[level]({ signal, pgid }, `forwarded ${signal} to process group ${pgid}`);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ESRCH') this.#logger.warn({ err: error, signal, pgid }, 'could not forward a signal');
          }
        }
      };
      this.#signalHandlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  // Stops a process group with escalation (`graceMs` after SIGTERM, then SIGKILL).
  async stopGroup(pgid: number, graceMs: number, what: string): Promise<StopResult> {
    const result = await stopProcessGroup(pgid, { graceMs });
    this.#reportStop(result, { pgid }, what);
    return result;
  }

  // Stops every orphan this process adopted and still runs (reaper.adopted(),
  // each with its tree, in parallel, with the same grace), so that nothing
  // exitmon adopted outlives it. Stopping one can orphan others onto us while
  // it runs: a few rounds catch those. Returns the pids that survived.
  // `escalate` aborting (a second stop signal) skips what is left of the grace: SIGKILL at once.
  async stopOrphans(graceMs: number, escalate?: AbortSignal): Promise<number[]> {
    let survivors: number[] = [];
    if (!this.#adopting) return survivors;
    const stopAdopted = async (): Promise<StopResult> => {
      if (escalate === undefined) return this.reaper.stopAdopted({ graceMs });
      try {
        return await this.reaper.stopAdopted({ graceMs, signalAbort: escalate });
      } catch (error) {
        if (!escalate.aborted) throw error;
        return { ...(await this.reaper.stopAdopted({ signal: 'SIGKILL', graceMs: 0 })), forced: true };
      }
    };
    // stopAdopted() lists the orphans itself and answers alreadyExited when there is none.
    for (let round = 0; round < LEFTOVER_ROUNDS; round++) {
      try {
        const result = await stopAdopted();
        if (result.alreadyExited) break;
        this.#reportStop(result, {}, 'adopted orphans still running');
        survivors = result.survivors;
      } catch (error) {
        this.#logger.warn({ err: error }, 'could not stop the adopted orphans');
        break;
      }
    }
    return survivors;
  }

  // Waits until every zombie child has been reaped and every exit line
  // printed, or SETTLE_TIMEOUT_MS passed; returns the zombies left.
  async settle(timeoutMs = SETTLE_TIMEOUT_MS): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    // reaper.zombies(): one waitid with WNOWAIT when there is none (looking never reaps).
    let zombies = this.reaper.zombies().length;
    while (zombies > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
      zombies = this.reaper.zombies().length;
    }
    if (zombies > 0) this.#logger.warn({ zombies }, `${zombies} zombie(s) left unreaped`);
    await this.flushLines(Math.max(1, deadline - Date.now()));
    return zombies;
  }

  // Waits until every exit published so far has been printed (drain), so a
  // log line that follows is not printed ahead of the exits it comes after.
  async flushLines(timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
    await this.reaper.monitor.drain({ timeout: timeoutMs }).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'exit lines still buffered at exit');
    });
  }

  // Removes the signal handlers and the subscription. The reaper is the caller's.
  close(): void {
    for (const [signal, handler] of this.#signalHandlers) process.off(signal, handler);
    this.#signalHandlers.clear();
    this.#subscription.unsubscribe();
  }

  // One exit: count it, print it.
  #onExit(event: ExitEvent): void {
    this.exits.total++;
    this.exits[event.outcome]++;
    const context = this.#contexts.get(event.pid) ?? { role: this.#defaultRole };
    this.#contexts.delete(event.pid);
    this.#printer?.print(event, context);
  }

  // PR_SET_CHILD_SUBREAPER plus adoption; false (with a warning) when not possible.
  #becomeSubreaper(init: boolean): boolean {
    try {
      // exitmon started no child before this: any it has were inherited
      // through exec (`helper & exec exitmon run …`), orphans to reap as
      // tini and dumb-init do, not children of an unknown owner.
      if (this.reaper.becomeSubreaper({ adoptOrphans: true, adoptInherited: true })) {
        this.#logger.debug(init ? 'running as init (PID 1): adopting and reaping every orphan' : 'child subreaper: adopting and reaping orphans');
        return true;
      }
      this.#logger.warn('the kernel refused PR_SET_CHILD_SUBREAPER: orphans will be re-parented to init, not reaped here');
    } catch (error) {
      if (!(error instanceof NativeUnavailableError)) throw error;
      // The reaper has already said why the addon is missing; no stack needed.
      this.#logger.warn('no native addon: orphans will not be adopted or reaped here (they go to init)');
    }
    return false;
  }

  // Logs what a stop did, when it did anything.
  #reportStop(result: StopResult, where: Record<string, number>, what: string): void {
    if (result.alreadyExited) return;
    if (result.forced) this.forcedStops++;
    const how = result.forced ? `SIGKILL after ${Math.round(result.durationMs)}ms` : 'SIGTERM';
    const fields = { ...where, forced: result.forced, durationMs: Math.round(result.durationMs), survivors: result.survivors };
    if (result.survivors.length > 0) this.#logger.error(fields, `could not stop ${what}: ${result.survivors.length} survivor(s)`);
    else this.#logger.info(fields, `stopped ${what} (${how})`);
  }
}
