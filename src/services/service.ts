// One supervised service: its process, readiness, restarts and stop. The
// manager decides when it may start and in which order it stops; everything
// that happens to one process lives here.
import type { ExitEvent } from '../core/exit-event.js';
import type { Logger } from '../core/logger.js';
import type { ExitMonitor } from '../core/monitor.js';
import type { ManagedProcess } from '../process/spawn.js';
import { startFailureStatus } from '../process/start-failure.js';
import type { StopResult } from '../process/stop.js';
import type { ResolvedService } from './config.js';
import { readyWithin } from './readiness.js';
import { RestartPolicy } from './restart-policy.js';
import { spawnService, type ServiceStdio } from './service-process.js';
import { ProcessStops } from './service-stop.js';
import type { ServiceEvent, ServiceEventName, ServiceState, ServiceStatus } from './types.js';

/** What a service needs from its manager. */
export interface ServiceContext {
  readonly monitor: ExitMonitor;
  readonly logger: Logger;
  /** Where the service's stdout and stderr go. */
  readonly stdio: ServiceStdio;
  /** Called with every event, and after every state change (to schedule dependents). */
  emit(event: ServiceEvent): void;
  changed(): void;
}

/** A service's process and its state machine (see ServiceState). */
export class Service {
  readonly config: ResolvedService;
  readonly #context: ServiceContext;
  readonly #policy: RestartPolicy;
  #state: ServiceState = 'pending';
  #process: ManagedProcess | undefined;
  /** The current process has not exited yet. */
  #alive = false;
  #restarts = 0;
  #lastExit: ExitEvent | undefined;
  #backoff: NodeJS.Timeout | undefined;
  #readiness: AbortController | undefined;
  /** Set once a stop began: exits no longer lead to restarts. */
  #stopping = false;
  readonly #stops: ProcessStops;
  /** The reset in progress: a second restart joins it instead of starting a second process. */
  #resetting: Promise<void> | undefined;
  /** The stop of the running process as a stop (stop() or reset()), so its events come once. */
  #running: { readonly child: ManagedProcess; readonly done: Promise<StopResult> } | undefined;

  constructor(config: ResolvedService, context: ServiceContext) {
    this.config = config;
    this.#context = context;
    this.#policy = new RestartPolicy(config);
    this.#stops = new ProcessStops(config, context.logger);
  }

  get name(): string {
    return this.config.name;
  }

  get state(): ServiceState {
    return this.#state;
  }

  /** Its dependents may start: ready, or a oneshot that exited 0. */
  get satisfied(): boolean {
    return this.#state === 'ready' || (this.#state === 'exited' && this.config.oneshot && this.#lastExit?.status === 0);
  }

  /** A process runs, or one will (backoff, or a `restart(name)` in progress). */
  get active(): boolean {
    return this.#alive || this.restarting || this.#state === 'backoff' || this.#state === 'starting' || this.#state === 'running' || this.#state === 'stopping';
  }

  /** A `restart(name)` is in progress: whatever its state says now, it will be pending again. */
  get restarting(): boolean {
    return this.#resetting !== undefined;
  }

  status(): ServiceStatus {
    return { state: this.#state, pid: this.#alive ? this.#process?.pid : undefined, restarts: this.#restarts, lastExit: this.#lastExit };
  }

  /** Starts the process (the manager calls this once every `after` service is satisfied). */
  launch(): void {
    // Never two processes of one service, whoever asks (a restart from an event listener, say).
    if (this.#stopping || this.#alive) return;
    const env = { ...process.env, ...this.config.env }; // its env over exitmon's, for the process and its readiness probe
    const { monitor } = this.#context;
    let child: ManagedProcess;
    try {
      child = spawnService(this.config, monitor, env, this.#context.stdio);
    } catch (error) {
      // Nothing started (the monitor is closed): no restart could do better.
      this.#fail(`cannot start: ${(error as Error).message}`, {});
      return;
    }
    // Once spawn returned, as the 'starting' event's `at`: `ready: { delay }`
    // counts from here, never from before a slow spawn (a fork of a big
    // process takes ms), so ready comes at least `delay` after 'starting'.
    const startedAt = Date.now();
    this.#process = child;
    this.#alive = !Number.isNaN(child.pid);
    child.exited.then(
      (exit) => this.#onExit(child, exit),
      (error: unknown) => this.#onStartError(child, error),
    );
    this.#set(this.config.oneshot ? 'running' : 'starting', 'starting', this.#alive ? { pid: child.pid } : {});
    // A listener of 'starting' may have stopped or restarted the service already.
    if (!this.#alive || this.config.oneshot || this.#process !== child || this.#state !== 'starting') return;
    const check = this.config.ready;
    if (check === undefined) {
      this.#set('ready', 'ready', { pid: child.pid });
      return;
    }
    const readiness = new AbortController();
    this.#readiness = readiness;
    const probe = { monitor, env, cwd: this.config.cwd, logger: this.#context.logger, service: this.name };
    // Not ready in time, or a check that cannot run: the service failed, and
    // what it started must not linger.
    const fail = (reason: string): void => {
      if (this.#process !== child || this.#state !== 'starting' || this.#stopping) return;
      this.#fail(reason, { pid: child.pid });
      this.#stops.begin(child);
    };
    void readyWithin(check, startedAt, probe, this.config.readyTimeoutMs, readiness.signal).then((outcome) => {
      if (this.#process !== child || this.#state !== 'starting') return;
      if (outcome === 'ready' && this.#alive) this.#set('ready', 'ready', { pid: child.pid });
      else if (outcome === 'timeout') fail(`not ready within ${this.config.readyTimeoutMs}ms`);
    }, (error: unknown) => fail(`its ready check cannot run: ${(error as Error).message}`));
  }

  /**
   * Stops the process: stopSignal to its group, stopGrace, then SIGKILL to
   * every process of its tree, verified. `escalate` aborting skips the rest
   * of the grace. No restart happens after this was called.
   */
  async stop(escalate: AbortSignal): Promise<StopResult> {
    this.suppressRestarts();
    this.#readiness?.abort();
    const child = this.#process;
    if (this.#alive && child !== undefined) {
      if (this.#state !== 'failed') return this.#stopRunning(child, escalate);
      // A failed service (readiness timeout) stays failed: its stop began
      // when it failed. Its 'exited' event comes before the stop is done.
      const result = await this.#stops.join(child, escalate);
      if (result.survivors.length === 0) await child.exited.catch(() => undefined);
      return result;
    }
    if (this.#state === 'pending' || this.#state === 'backoff') this.#set('stopped', this.#state === 'backoff' ? 'stopped' : undefined);
    // The main process is gone: what it left in its group is stopped (or was).
    if (child === undefined) return { forced: false, alreadyExited: true, survivors: [], durationMs: 0 };
    return this.#stops.join(child, escalate);
  }

  // Stops the running process as a stop (not an exit): 'stopping', the stop,
  // its exit, 'stopped', once per process: a stop() during a restart's stop
  // joins it (and may escalate it). In 'stopping', #onExit records the exit
  // without taking it for a crash. The event comes before the signal, so
  // what the service prints in reaction (its stdout is exitmon's in pretty
  // mode) follows its 'stopping' line; #running is in place before the
  // event, so a stop from a listener joins this one.
  #stopRunning(child: ManagedProcess, escalate: AbortSignal): Promise<StopResult> {
    if (this.#running?.child === child) {
      void this.#stops.join(child, escalate); // escalates the stop in progress if asked: its result is `done`'s
      return this.#running.done;
    }
    let settle!: (result: Promise<StopResult>) => void;
    const done = new Promise<StopResult>((resolve) => (settle = resolve));
    this.#running = { child, done };
    this.#set('stopping', 'stopping', { pid: child.pid });
    const stopping = this.#stops.join(child, escalate);
    settle((async () => {
      const result = await stopping;
      const exit = await child.exited.catch(() => undefined);
      this.#set('stopped', 'stopped', { pid: child.pid, ...(exit !== undefined ? { status: exit.status } : {}) });
      return result;
    })());
    return done;
  }

  /**
   * From now on an exit is final: no restart, no pending backoff. The manager
   * calls this on every service as soon as a stop begins, long before the
   * service's own turn to stop comes.
   */
  suppressRestarts(): void {
    this.#stopping = true;
    clearTimeout(this.#backoff);
  }

  /**
   * Stops the process if one runs (not as a final stop), forgets the crash
   * history, and returns to `pending`. One at a time: a reset while one is in
   * progress joins it.
   */
  reset(): Promise<void> {
    if (this.#resetting !== undefined) return this.#resetting;
    // In place before #reset runs: its 'restarting' event may reach a listener that restarts again.
    let run!: (reset: Promise<void>) => void;
    const resetting = new Promise<void>((resolve) => (run = resolve)).finally(() => {
      if (this.#resetting === resetting) this.#resetting = undefined;
    });
    this.#resetting = resetting;
    run(this.#reset());
    return resetting;
  }

  async #reset(): Promise<void> {
    clearTimeout(this.#backoff);
    this.#readiness?.abort();
    const restarting = this.#state !== 'pending';
    if (restarting) this.#context.emit(this.#event('restarting', { delayMs: 0 }, this.#restarts + 1));
    const child = this.#process;
    if (this.#alive && child !== undefined) await this.#stopRunning(child, new AbortController().signal);
    else if (child !== undefined) await this.#remainsStopped(child);
    if (this.#stopping) return this.#set('stopped'); // the manager began to stop meanwhile: no new start
    this.#policy.reset();
    if (restarting) this.#restarts++;
    this.#set('pending');
  }

  // The process exited: restart, fail, or end, per the restart policy.
  #onExit(child: ManagedProcess, exit: ExitEvent): void {
    if (this.#process !== child) return; // an old process, already replaced
    this.#alive = false;
    this.#lastExit = exit;
    this.#readiness?.abort();
    if (this.#state === 'stopping') return; // stop() reports it
    const unready = this.#state === 'starting'; // a oneshot is 'running', never 'starting'
    this.#context.emit(this.#event('exited', { pid: exit.pid, status: exit.status }));
    if (this.#state === 'failed') this.#context.changed(); // readiness timeout: already failed
    // Ended on its own while others stop: judged alike, but final (no restart).
    else this.#afterExit(exit.status, { unready, final: this.#stopping });
    // After the restart decision: the first look of a stop scans /proc, which
    // should not delay the restart timer.
    this.#stops.begin(child, true);
  }

  // The process could not be started at all (ENOENT, EACCES…).
  #onStartError(child: ManagedProcess, error: unknown): void {
    if (this.#process !== child) return;
    const failure = error as NodeJS.ErrnoException;
    const { code, path } = failure;
    const why = `cannot start ${path ?? this.config.argv[0]}: ${code ?? (error as Error).message}`;
    // A missing command needs no stack trace: the code and the path say it all.
    this.#context.logger.error({ service: this.name, code, path }, `service ${this.name}: ${why}`);
    if (this.#stopping) return;
    this.#afterExit(startFailureStatus(failure), { why });
  }

  // `why`: the reason a failure gives instead of "exited with status N" (a
  // process that never started); `unready`: it exited before it was ready;
  // `final`: no restart whatever the policy says (a stop is under way).
  #afterExit(status: number, { why, unready = false, final = false }: { why?: string; unready?: boolean; final?: boolean } = {}): void {
    const decision = final ? this.#policy.judge(status, unready) : this.#policy.decide(status, performance.now(), unready);
    if (decision.restart) {
      // The timer first: a listener of 'restarting' that restarts or stops the service clears it.
      const previous = this.#process;
      this.#backoff = setTimeout(() => {
        // Not next to what the previous instance left in its group: its stop
        // (begun at the exit, usually long done) ends first.
        void this.#remainsStopped(previous).then(() => {
          if (this.#state !== 'backoff' || this.#stopping || this.#process !== previous) return; // stopped or restarted meanwhile
          this.#restarts++;
          this.launch();
        });
      }, decision.delayMs);
      this.#set('backoff', 'restarting', { delayMs: decision.delayMs }, this.#restarts + 1);
    } else if (decision.failed) {
      this.#fail(why ?? decision.reason, {});
    } else {
      this.#set('exited');
    }
  }

  // Resolves once the stop of what an exited process left in its group ended (failed or not).
  async #remainsStopped(child: ManagedProcess | undefined): Promise<void> {
    if (child !== undefined) await this.#stops.join(child, new AbortController().signal).catch(() => undefined);
  }

  #fail(reason: string, fields: Partial<ServiceEvent>): void {
    this.#context.logger.warn({ service: this.name, reason }, `service ${this.name} failed: ${reason}`);
    this.#set('failed', 'failed', { ...fields, reason });
  }

  // Moves to `state`, emits `event` (if any), then lets the manager schedule.
  #set(state: ServiceState, event?: ServiceEventName, fields: Partial<ServiceEvent> = {}, restarts = this.#restarts): void {
    this.#state = state;
    if (event !== undefined) this.#context.emit(this.#event(event, fields, restarts));
    this.#context.changed();
  }

  // The contract's fields in its order (service, event, pid, status, restarts, at), then the event's own (delayMs, reason).
  #event(event: ServiceEventName, fields: Partial<ServiceEvent>, restarts = this.#restarts): ServiceEvent {
    const { pid, status, ...own } = fields;
    return { service: this.name, event, ...(pid === undefined ? {} : { pid }), ...(status === undefined ? {} : { status }), restarts, at: Date.now(), ...own };
  }
}
