// The public shapes of the services layer: states, status and events.
import type { ExitEvent } from '../core/exit-event.js';

/**
 * Where a service is in its life:
 * - `pending`: waiting for its `after` services (or never to start, when one failed)
 * - `starting`: its process was started; the `ready` check has not passed yet
 * - `running`: a oneshot whose process runs (it is ready when it exits 0)
 * - `ready`: running and ready; its dependents may start
 * - `backoff`: exited, waiting `restartDelay` (doubling) before the restart
 * - `stopping`: being stopped (stopSignal, stopGrace, then SIGKILL)
 * - `stopped`: stopped by `stop()` (or never started before `stop()`)
 * - `exited`: ended on its own without failing and will not restart (a oneshot that exited 0)
 * - `failed`: exited non-zero without a restart, crash loop, readiness timeout, start error
 */
export type ServiceState = (typeof SERVICE_STATES)[number];

/** Every ServiceState, in the order of a service's life. */
export const SERVICE_STATES = ['pending', 'starting', 'running', 'ready', 'backoff', 'stopping', 'stopped', 'exited', 'failed'] as const;

/** A snapshot of one service (`ServiceManager.status()`). */
export interface ServiceStatus {
  readonly state: ServiceState;
  /** The pid of its current process; undefined when none runs. */
  readonly pid: number | undefined;
  /** How many times it was restarted (automatically or by `restart()`). */
  readonly restarts: number;
  /** The last exit of its process, if any. */
  readonly lastExit: ExitEvent | undefined;
}

/** What happened to a service. */
export type ServiceEventName = 'starting' | 'ready' | 'exited' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/**
 * One service event, as `ServiceManager.events` emits it and `exitmon up
 * --format json` prints it (one JSON line each).
 */
export interface ServiceEvent {
  readonly service: string;
  readonly event: ServiceEventName;
  /** The process concerned (the new one for `starting`). */
  readonly pid?: number;
  /** The exit status (code, or 128 + signal) for `exited`, and `stopped` when a process stopped. */
  readonly status?: number;
  /** The service's restart count at this moment (for `restarting`: the count once it restarts). */
  readonly restarts: number;
  /** Date.now() when it happened. */
  readonly at: number;
  /** `restarting`: the backoff before the restart, in ms. */
  readonly delayMs?: number;
  /** `failed`: why (crash loop, readiness timeout, status…). */
  readonly reason?: string;
}
