// Readiness checks: when a started service counts as ready, so that its
// dependents may start. `tcp` connects until a connection is accepted,
// `command` runs a probe until it exits 0, `delay` just waits.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitMonitor } from '../core/monitor.js';
import { describe } from '../core/validate.js';
import { spawn } from '../process/spawn.js';
import { parseServiceDuration } from './duration.js';

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
// A probe command that has not answered by then is killed and counts as "not yet".
const PROBE_TIMEOUT_MS = 5000;

/**
 * Validates a `ready:` entry.
 * @throws TypeError naming what was expected
 */
export function parseReadyCheck(value: unknown): ReadyCheck {
  const expected = 'expected { tcp: "HOST:PORT" }, { command: … } or { delay: DURATION }';
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) {
    throw new TypeError(`${expected}, got ${describe(value)}`);
  }
  const [[kind, arg]] = Object.entries(value) as [[string, unknown]];
  if (kind === 'tcp') {
    const [host, port] = tcpAddress(arg);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new TypeError(`tcp: expected "HOST:PORT" or a port 1-65535, got ${describe(arg)}`);
    return { kind, host, port };
  }
  if (kind === 'command') {
    if (typeof arg === 'string' && arg.trim().length > 0) return { kind, argv: ['/bin/sh', '-c', arg] };
    if (Array.isArray(arg) && arg.length > 0 && arg.every((a) => typeof a === 'string' && a.length > 0)) return { kind, argv: [...(arg as string[])] };
    throw new TypeError(`command: expected a non-empty string or array of strings, got ${describe(arg)}`);
  }
  if (kind === 'delay') {
    const ms = parseServiceDuration(arg);
    if (ms === undefined) throw new TypeError(`delay: expected a duration (300ms, 5s, 1m), got ${describe(arg)}`);
    return { kind, ms };
  }
  throw new TypeError(`${expected}, got unknown check \`${kind}\``);
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
    case 'command':
      while (!(await probeSucceeds(check.argv, probe, signal))) await sleep(READY_POLL_MS, undefined, { signal });
      return;
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

// One run of the probe command: true when it exits 0.
async function probeSucceeds(argv: readonly string[], probe: ProbeContext, signal: AbortSignal): Promise<boolean> {
  const child = spawn(argv[0]!, argv.slice(1), { monitor: probe.monitor, env: probe.env, ...(probe.cwd !== undefined ? { cwd: probe.cwd } : {}), stdio: 'ignore' });
  const kill = (): void => void child.stop({ graceMs: 0 }).catch(() => undefined);
  const timer = setTimeout(kill, PROBE_TIMEOUT_MS);
  signal.addEventListener('abort', kill, { once: true });
  try {
    const exit = await child.exited;
    // What the probe left in its process group (`sleep 60 & test -e flag`) goes with it.
    void child.stop({ graceMs: 0 }).catch(() => undefined);
    signal.throwIfAborted();
    return exit.status === 0;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return false; // could not start (ENOENT…): not ready yet, and readyTimeout bounds the wait
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', kill);
  }
}
