// Readiness checks: when a started service counts as ready, so that its
// dependents may start. `tcp` connects until a connection is accepted,
// `command` runs a probe until it exits 0, `delay` just waits.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import type { ExitMonitor } from '../core/monitor.js';
import { describe } from '../core/validate.js';
import { spawn } from '../process/spawn.js';
import { CONTAINED } from './service-process.js';
import { DURATION_EXPECTED, parseServiceDuration } from './duration.js';

/** A `ready:` entry as written in the file. */
export type ReadyCheckConfig =
  | { tcp: string | number }
  | { command: string | readonly string[] }
  | { delay: number | string };

/** A validated readiness check. */
export type ReadyCheck =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'command'; readonly argv: readonly string[] }
  | { readonly kind: 'delay'; readonly ms: number };

/** The host of a `tcp` check given as a bare port. */
export const DEFAULT_READY_HOST = '127.0.0.1';
/** Pause between two failed probes, in ms: short, because dependents wait on it. */
export const READY_POLL_MS = 50;

/**
 * Validates a `ready:` entry.
 * @throws TypeError naming what was expected
 */
export function parseReadyCheck(value: unknown): ReadyCheck {
  const expected = 'expected { tcp: "HOST:PORT" }, { command: … } or { delay: DURATION }';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${expected}, got ${describe(value)}`);
  const keys = Object.keys(value);
  // Name a key that is no check at all next to one that is (`interval`, say: there is no such option).
  const unknown = keys.filter((key) => key !== 'tcp' && key !== 'command' && key !== 'delay');
  if (keys.length > 1 && unknown.length > 0) throw new TypeError(`unknown key ${unknown.map((key) => `\`${key}\``).join(', ')}: ${expected}`);
  if (keys.length !== 1) throw new TypeError(`${expected} (one check), got ${describe(value)}`);
  const [[kind, arg]] = Object.entries(value) as [[string, unknown]];
  if (kind === 'tcp') {
    const [host, port] = tcpAddress(arg);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new TypeError(`tcp: expected "HOST:PORT" or a port 1-65535, got ${describe(arg)}`);
    return { kind, host, port };
  }
  if (kind === 'command') {
    const argv = typeof arg === 'string' && arg.trim().length > 0 ? ['/bin/sh', '-c', arg]
      : Array.isArray(arg) && arg.length > 0 && arg.every((a) => typeof a === 'string' && a.length > 0) ? [...(arg as string[])] : undefined;
    if (argv === undefined) throw new TypeError(`command: expected a non-empty string or array of strings, got ${describe(arg)}`);
    const nul = commandNulProblem(argv);
    if (nul !== undefined) throw new TypeError(`command: ${nul}`);
    return { kind, argv };
  }
  if (kind === 'delay') {
    const ms = parseServiceDuration(arg);
    if (ms === undefined) throw new TypeError(`delay: expected ${DURATION_EXPECTED}, got ${describe(arg)}`);
    return { kind, ms };
  }
  throw new TypeError(`${expected}, got unknown check \`${kind}\``);
}

/**
 * Why argv cannot be run, or undefined: execve would cut an argument at a NUL
 * byte, and spawn refuses it, which would surface only when the command starts.
 */
export function commandNulProblem(argv: readonly string[]): string | undefined {
  return argv.some((a) => a.includes('\0')) ? 'expected no NUL byte in the command' : undefined;
}

// `5432`, `"5432"`, `"db:5432"`, `"[::1]:5432"` → host and port (NaN when malformed).
function tcpAddress(arg: unknown): [string, number] {
  const text = typeof arg === 'number' ? String(arg) : typeof arg === 'string' ? arg.trim() : '';
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? DEFAULT_READY_HOST : text.slice(0, colon).replace(/^\[(.*)\]$/, '$1') || DEFAULT_READY_HOST;
  const portText = text.slice(colon + 1);
  return [host, /^\d+$/.test(portText) ? Number(portText) : Number.NaN];
}

/** Where and how probe commands run. */
export interface ProbeContext {
  readonly monitor: ExitMonitor;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string | undefined;
  readonly logger: Logger;
  /** The service probed (for the log line of a probe that cannot start). */
  readonly service: string;
}

/**
 * Waits until the check passes: 'ready'; or 'timeout' once `limitMs` passed
 * (0: no limit, as systemd's TimeoutStartSec=0), or 'cancelled' when `cancel`
 * aborts (the service's exit or stop), whichever comes first.
 * @throws what broke the check itself (a probe that spawn refuses outright):
 *   it would never pass, and must not pass for a cancellation.
 */
export async function readyWithin(check: ReadyCheck, startedAt: number, probe: ProbeContext, limitMs: number, cancel: AbortSignal): Promise<'ready' | 'timeout' | 'cancelled'> {
  const timeout = limitMs > 0 ? AbortSignal.timeout(limitMs) : undefined;
  try {
    await waitUntilReady(check, startedAt, probe, timeout === undefined ? cancel : AbortSignal.any([cancel, timeout]));
    return 'ready';
  } catch (error) {
    if (timeout?.aborted === true) return 'timeout';
    if (cancel.aborted) return 'cancelled';
    throw error;
  }
}

/**
 * Resolves once the check passes; rejects with the signal's reason when
 * `signal` aborts (the caller aborts on timeout, exit or stop). `startedAt`
 * is when the process started (`delay` counts from there).
 */
export async function waitUntilReady(check: ReadyCheck, startedAt: number, probe: ProbeContext, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  switch (check.kind) {
    case 'delay':
      await sleep(Math.max(0, startedAt + check.ms - Date.now()), undefined, { signal });
      return;
    case 'tcp':
      while (!(await tcpAccepts(check.host, check.port, signal))) await sleep(READY_POLL_MS, undefined, { signal });
      return;
    case 'command': {
      let told = false; // a probe that cannot start is logged once, then retried quietly
      for (;;) {
        const outcome = await probeOnce(check.argv, probe, signal);
        if (outcome === true) return;
        if (outcome !== false && !told) {
          told = true;
          const { code, path } = outcome as NodeJS.ErrnoException;
          probe.logger.warn({ service: probe.service, code, path }, `service ${probe.service}: its ready command cannot start (${code ?? (outcome as Error).message}); retrying until readyTimeout`);
        }
        await sleep(READY_POLL_MS, undefined, { signal });
      }
    }
  }
}

// One connection attempt: true when accepted.
function tcpAccepts(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// One run of the probe command: true when it exits 0, false for another
// status, the spawn error when it could not start (ENOENT…: not ready yet,
// and readyTimeout bounds the wait). A run lasts until it exits or `signal`
// aborts (readyTimeout, the service's exit or stop): no limit of its own.
// It runs in its own process group and, where one can be made, its own
// cgroup, and is stopped after the run, so what it started (`sleep 60 &`,
// even a setsid or double-forked one in a cgroup) never outlives it.
async function probeOnce(argv: readonly string[], probe: ProbeContext, signal: AbortSignal): Promise<boolean | Error> {
  const child = spawn(argv[0]!, argv.slice(1), { monitor: probe.monitor, env: probe.env, ...(probe.cwd !== undefined ? { cwd: probe.cwd } : {}), stdio: 'ignore', ...CONTAINED });
  const kill = (): void => void child.stop({ graceMs: 0 }).catch(() => undefined);
  signal.addEventListener('abort', kill, { once: true });
  try {
    const exit = await child.exited;
    kill();
    signal.throwIfAborted();
    return exit.status === 0;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return error as Error;
  } finally {
    signal.removeEventListener('abort', kill);
  }
}
