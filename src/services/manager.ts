// ServiceManager: starts services in dependency order (independent ones in
// parallel), supervises them, and stops them in reverse order, verified.
// Each Service owns its process; this file owns only the order.
import { setMaxListeners } from 'node:events';
import { dirname, resolve } from 'node:path';
// rxjs/internal/Subject: the same module the rxjs index re-exports, without
// loading every operator (docs/dependencies.md, rxjs).
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import { ExitMonitorError } from '../core/errors.js';
import { assertNonEmptyString, describe } from '../core/validate.js';
import { GuardedObservable } from '../core/guarded-observable.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { warnListenerFailureOnce } from '../core/process-warning.js';
import type { StopResult } from '../process/stop.js';
import { Reaper } from '../sources/reaper.js';
import { resolveServicesConfig, type ServicesConfig } from './config.js';
import { ServiceConfigError } from './errors.js';
import { dependentsOf, inReverseOrder } from './graph.js';
import { checkManagerOptions, type ServiceManagerOptions } from './manager-options.js';
import { readServicesFile } from './load.js';
import { Service } from './service.js';
import { mayStart, startable, unstartable, type Unstartable } from './start-gate.js';
import type { ServiceEvent, ServiceStatus } from './types.js';

export type { ServiceManagerOptions };

/**
 * Supervises the services of a config: see docs/services.md.
 * @example
 * await using services = await ServiceManager.load('exitmon.yaml');
 * services.events.subscribe((e) => console.log(e.service, e.event));
 * await services.start();
 */
export class ServiceManager implements AsyncDisposable {
  readonly #services: ReadonlyMap<string, Service>;
  readonly #dependents: ReadonlyMap<string, readonly string[]>;
  readonly #subject = new Subject<ServiceEvent>();
  /** Events raised while observers still receive an earlier one (see #emit). */
  readonly #queued: ServiceEvent[] = [];
  #emitting = false;
  // Every service's stop listens to it: no "possible leak" warning past 10 services.
  readonly #escalation = unlimitedListeners(new AbortController());
  #started = false;
  #stop: Promise<StopResult> | undefined;
  #waiters: { readonly until: () => boolean; readonly resolve: () => void }[] = [];
  readonly #logger: Logger;
  // Pending services reported as never to start (a dependency ended without satisfying them).
  readonly #blocked = new Set<string>();

  /**
   * Every service event, in order. Completes once `stop()` finished. An
   * observer that throws is logged (with no logger: one process warning,
   * `EXITMON_LISTENER_ERROR`) and supervision goes on, as for a monitor's
   * listeners; rxjs alone would re-throw it later as an uncaught exception.
   */
  readonly events: Observable<ServiceEvent>;

  /**
   * Validates the config; nothing starts before `start()`.
   * @throws ServiceConfigError listing every problem (unknown keys, bad values, unknown dependencies, cycles)
   */
  constructor(config: ServicesConfig, options: ServiceManagerOptions = {}) {
    const { monitor, logger, stdio, baseDir } = checkManagerOptions(options);
    const resolved = resolveServicesConfig(config, baseDir);
    this.#logger = logger;
    this.events = new GuardedObservable<ServiceEvent>(
      (subscriber) => this.#subject.subscribe(subscriber),
      (error) => {
        if (logger === silentLogger) warnListenerFailureOnce(error);
        logger.error({ err: error }, 'exitmon: a ServiceManager events observer threw; supervision goes on');
      },
      () => undefined, // any number of observers
    );
    const context = {
      monitor: monitor ?? Reaper.shared().monitor,
      logger,
      stdio,
      emit: (event: ServiceEvent) => this.#emit(event),
      changed: () => this.#schedule(),
    };
    this.#services = new Map(resolved.map((s) => [s.name, new Service(s, context)]));
    this.#dependents = dependentsOf(resolved);
  }

  // A Subject hands an event to every observer before the next one, unless
  // an observer raises one itself (restart(name) from an 'exited' listener):
  // then later observers would see the new event first. Queued instead, so
  // that every observer sees every event in the order it happened.
  #emit(event: ServiceEvent): void {
    this.#queued.push(event);
    if (this.#emitting) return;
    this.#emitting = true;
    try {
      for (let next = this.#queued.shift(); next !== undefined; next = this.#queued.shift()) this.#subject.next(next);
    } finally {
      this.#emitting = false;
    }
  }

  /**
   * Reads, parses and validates a YAML or JSON services file.
   * @throws ServiceConfigError (code 'ERR_SERVICE_CONFIG') naming the file, service and key
   */
  static async load(file: string, options: Omit<ServiceManagerOptions, 'baseDir'> = {}): Promise<ServiceManager> {
    assertNonEmptyString(file, 'file');
    const path = resolve(file);
    const config = await readServicesFile(path);
    try {
      return new ServiceManager(config as ServicesConfig, { ...options, baseDir: dirname(path) });
    } catch (error) {
      // Name the file in the message.
      if (error instanceof ServiceConfigError) throw new ServiceConfigError(error.issues, path);
      throw error;
    }
  }

  /** Starts every service in dependency order; resolves when each is ready, ended, failed or blocked by a failed dependency. */
  start(): Promise<void> {
    if (this.#stop !== undefined) return Promise.reject(new ExitMonitorError('Cannot start: the services are stopping', 'ERR_SERVICES_STOPPING'));
    this.#started = true;
    const done = this.#until(() => this.#startSettled());
    this.#schedule();
    return done;
  }

  /**
   * Stops every service: a service only after all its dependents stopped,
   * independent ones in parallel, each with stopSignal, stopGrace, then
   * SIGKILL, verified. Idempotent: later calls return the same result.
   */
  stop(): Promise<StopResult> {
    this.#stop ??= this.#stopAll();
    return this.#stop;
  }

  /** Skips the remaining grace of a stop in progress (or starting now): SIGKILL to every service still stopping. */
  forceStop(): Promise<StopResult> {
    this.#escalation.abort(new ExitMonitorError('Stop escalated', 'ERR_STOP_ESCALATED'));
    return this.stop();
  }

  /**
   * Stops the service (if it runs) and starts it again once its dependencies
   * are satisfied; resolves when it is ready, ended or failed, or when it can
   * never start (a dependency failed), or at once before `start()`.
   * Concurrent restarts of one service are one restart.
   */
  async restart(name: string): Promise<void> {
    const service = this.#service(name);
    if (this.#stop !== undefined) throw new ExitMonitorError(`Cannot restart ${name}: the services are stopping`, 'ERR_SERVICES_STOPPING');
    await service.reset();
    const waiting = (): boolean => service.state === 'pending' && this.#started && mayStart(service, this.#services);
    const done = this.#until(() => !waiting() && !['starting', 'running', 'backoff', 'stopping'].includes(service.state));
    this.#schedule();
    await done;
  }

  /** Every service's state, pid, restart count and last exit. */
  status(): Record<string, ServiceStatus> {
    const out: Record<string, ServiceStatus> = {};
    for (const [name, service] of this.#services) out[name] = service.status();
    return out;
  }

  /**
   * The pending services that can no longer start (a dependency failed,
   * stopped, or exited without satisfying them), each with why.
   * @internal `exitmon up` counts them against its exit status.
   */
  unstartable(): Unstartable[] {
    return unstartable(this.#services);
  }

  /** Resolves once no service runs or waits to restart (everything ended, failed, or was stopped). */
  whenIdle(): Promise<void> {
    return this.#until(() => this.#idle());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #service(name: unknown): Service {
    if (typeof name !== 'string') throw new TypeError(`Expected \`name\` to be a service name, got ${describe(name)}`);
    const service = this.#services.get(name);
    if (service === undefined) throw new RangeError(`Expected \`name\` to be one of ${[...this.#services.keys()].join(', ')}, got ${describe(name)}`);
    return service;
  }

  // Starts every pending service whose dependencies are satisfied, then wakes waiters.
  #schedule(): void {
    if (this.#started && this.#stop === undefined) {
      for (const service of this.#services.values()) {
        if (service.state === 'pending' && startable(service, this.#services)) service.launch();
      }
      this.#reportBlocked();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (waiter.until()) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  // Says once (per time it happens) that a pending service will never start,
  // so that a dependency's end never blocks its dependents silently.
  #reportBlocked(): void {
    const blocked = this.unstartable();
    for (const name of this.#blocked) if (!blocked.some((b) => b.service === name)) this.#blocked.delete(name);
    for (const { service, after, why } of blocked) {
      if (this.#blocked.has(service)) continue;
      this.#blocked.add(service);
      this.#logger.warn({ service, after }, `service ${service} will not start: ${why}`);
    }
  }

  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until: condition, resolve }));
  }

  // start() is done: nothing is starting, and every pending service waits on one that can never satisfy it.
  #startSettled(): boolean {
    if (this.#stop !== undefined) return true;
    for (const s of this.#services.values()) {
      // Active (a process runs or will) and not yet ready or failed: still starting.
      if (s.active && s.state !== 'ready' && s.state !== 'failed') return false;
      if (s.state === 'pending' && mayStart(s, this.#services)) return false;
    }
    return true;
  }

  #idle(): boolean {
    for (const s of this.#services.values()) if (s.active || s.state === 'ready') return false;
    return this.#startSettled();
  }

  async #stopAll(): Promise<StopResult> {
    const t0 = performance.now();
    // Before any service's turn: a dependency that crashes while its
    // dependents are being stopped must not come back.
    for (const service of this.#services.values()) service.suppressRestarts();
    const results = await inReverseOrder([...this.#services.keys()], this.#dependents, (name) => this.#services.get(name)!.stop(this.#escalation.signal));
    const survivors: number[] = [];
    let forced = false;
    let alreadyExited = true;
    for (const r of results) {
      if (r.status === 'rejected') {
        this.#subject.error(r.reason);
        throw r.reason;
      }
      survivors.push(...r.value.survivors);
      forced ||= r.value.forced;
      alreadyExited &&= r.value.alreadyExited;
    }
    this.#schedule();
    this.#subject.complete();
    return { forced, alreadyExited, survivors, durationMs: performance.now() - t0 };
  }
}

// An AbortController whose signal takes any number of listeners without
// Node's MaxListenersExceededWarning (a false leak report, on stderr).
function unlimitedListeners(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
