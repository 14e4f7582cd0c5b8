// The services schema (the shape of exitmon.yaml and of the object given to
// ServiceManager) and its validation into resolved, defaulted services.
// Every problem is collected, each naming the service and the key, so a user
// fixes a file in one round rather than one error per run.
import { isAbsolute, resolve } from 'node:path';
import { NON_TERMINATING_SIGNALS } from '../process/kill-signal.js';
import { describe } from '../core/validate.js';
import { bool, commandArgv, directoryProblem, duration, environment, isPlainObject, signalName, stringList } from './config-values.js';
import { ServiceConfigError, type ServiceConfigIssue } from './errors.js';
import { findCycle } from './graph.js';
import { parseReadyCheck, type ReadyCheck, type ReadyCheckConfig } from './readiness.js';

/** A duration: milliseconds, or a string such as `'300ms'`, `'5s'`, `'1m'`. */
export type Duration = number | string;

/** What to do when a service's process exits while it is not being stopped. */
export type RestartPolicy = 'no' | 'on-failure' | 'always';

/** One service, as written in the file. */
export interface ServiceConfig {
  /** An array is the argv (no shell); a string is run by `/bin/sh -c`. */
  command: string | readonly string[];
  /** Services that must be ready (or, for oneshots, have exited 0) before this one starts; one name may be given as a string. */
  after?: readonly string[] | string;
  /** A task that must exit 0 before its dependents start, rather than a long-running service. @default false */
  oneshot?: boolean;
  /** Sent to the service's process group to stop it. @default 'SIGTERM' */
  stopSignal?: NodeJS.Signals;
  /** How long a stop waits before SIGKILL to every process of the service. @default the top-level `grace` */
  stopGrace?: Duration;
  /** When the service counts as ready; without it, as soon as it started. */
  ready?: ReadyCheckConfig;
  /** How long the `ready` check may take before the service is failed. @default '30s' */
  readyTimeout?: Duration;
  /** @default 'no' */
  restart?: RestartPolicy;
  /** The first backoff before a restart; it doubles with every restart in `restartWindow`. @default '100ms' */
  restartDelay?: Duration;
  /** The backoff never grows past this. @default '30s', or `restartDelay` when that is longer */
  maxRestartDelay?: Duration;
  /** More restarts than this within `restartWindow` and the service is `failed`. @default 5 */
  maxRestarts?: number;
  /** The window of the crash-loop limit and the backoff doubling; 0 turns both off. @default '60s' */
  restartWindow?: Duration;
  /** Merged over exitmon's own environment. */
  env?: Readonly<Record<string, string | number | boolean>>;
  /** The working directory, relative to the file's directory (or to process.cwd() without a file). @default the file's directory */
  cwd?: string;
}

/** A whole services config: the top level of exitmon.yaml. */
export interface ServicesConfig {
  /** The default `stopGrace` of every service. @default '5s' */
  grace?: Duration;
  services: Readonly<Record<string, ServiceConfig>>;
}

/** The default stop grace of a service, in ms. */
export const DEFAULT_SERVICE_GRACE_MS = 5000;
/** The default `readyTimeout`, in ms. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** The default first restart backoff, in ms. */
export const DEFAULT_RESTART_DELAY_MS = 100;
/** The default cap of the restart backoff, in ms. */
export const DEFAULT_MAX_RESTART_DELAY_MS = 30_000;
/** The default crash-loop limit: restarts allowed within the window. */
export const DEFAULT_MAX_RESTARTS = 5;
/** The default crash-loop window, in ms. */
export const DEFAULT_RESTART_WINDOW_MS = 60_000;
/** The default stop signal. */
export const DEFAULT_SERVICE_STOP_SIGNAL: NodeJS.Signals = 'SIGTERM';

/** A service after validation, with every default applied. */
export interface ResolvedService {
  readonly name: string;
  /** argv[0] is the file to run. */
  readonly argv: readonly string[];
  readonly after: readonly string[];
  readonly oneshot: boolean;
  readonly stopSignal: NodeJS.Signals;
  readonly stopGraceMs: number;
  readonly ready: ReadyCheck | undefined;
  readonly readyTimeoutMs: number;
  readonly restart: RestartPolicy;
  readonly restartDelayMs: number;
  readonly maxRestartDelayMs: number;
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

const TOP_KEYS = new Set(['grace', 'services']);
const SERVICE_KEYS = new Set([
  'command', 'after', 'oneshot', 'stopSignal', 'stopGrace', 'ready', 'readyTimeout', 'restart',
  'restartDelay', 'maxRestartDelay', 'maxRestarts', 'restartWindow', 'env', 'cwd',
]);
const RESTART_POLICIES: readonly RestartPolicy[] = ['no', 'on-failure', 'always'];
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// A stopSignal must be one that can end a process: the kill-signal rule.
const NOT_STOP_SIGNALS = NON_TERMINATING_SIGNALS;

/**
 * Validates a config and resolves it. `baseDir` anchors relative `cwd`s.
 * @throws ServiceConfigError listing every problem
 */
export function resolveServicesConfig(config: unknown, baseDir = process.cwd(), file?: string): ResolvedService[] {
  const issues: ServiceConfigIssue[] = [];
  const add = (service: string | undefined, key: string, message: string): void => void issues.push({ service, key, message });
  if (!isPlainObject(config)) throw new ServiceConfigError([{ service: undefined, key: '', message: `expected an object with \`services\`, got ${describe(config)}` }], file);
  // `x-…` keys are extension fields, as in compose files: a place for YAML
  // anchors (`x-defaults: &defaults …`) that services merge in with `<<`.
  for (const key of Object.keys(config)) if (!TOP_KEYS.has(key) && !key.startsWith('x-')) add(undefined, key, 'unknown key (expected grace, services, or an x- extension field)');
  let graceMs = DEFAULT_SERVICE_GRACE_MS;
  if (config.grace !== undefined) graceMs = duration(config.grace, (m) => add(undefined, 'grace', m)) ?? graceMs;
  const services: ResolvedService[] = [];
  if (!isPlainObject(config.services) || Object.keys(config.services).length === 0) {
    add(undefined, 'services', `expected a map of at least one service, got ${describe(config.services)}`);
  } else {
    for (const [name, raw] of Object.entries(config.services)) {
      const service = resolveService(name, raw, graceMs, baseDir, (key, message) => add(name, key, message));
      if (service !== undefined) services.push(service);
    }
    checkDependencies(services, add);
  }
  if (issues.length > 0) throw new ServiceConfigError(issues, file);
  return services;
}

// One service; undefined when it is too broken to take part in the graph check.
function resolveService(name: string, raw: unknown, graceMs: number, baseDir: string, add: (key: string, message: string) => void): ResolvedService | undefined {
  if (!SERVICE_NAME.test(name)) add('', 'invalid service name (letters, digits, _ . -, not starting with _ . -)');
  if (!isPlainObject(raw)) {
    add('', `expected an object with \`command\`, got ${describe(raw)}`);
    return undefined;
  }
  for (const key of Object.keys(raw)) if (!SERVICE_KEYS.has(key)) add(key, `unknown key (expected one of ${[...SERVICE_KEYS].join(', ')})`);
  const argv = commandArgv(raw.command, (m) => add('command', m));
  const after = stringList(typeof raw.after === 'string' ? [raw.after] : (raw.after ?? []), (m) => add('after', m));
  const oneshot = bool(raw.oneshot ?? false, (m) => add('oneshot', m));
  const stopSignal = signalName(raw.stopSignal ?? DEFAULT_SERVICE_STOP_SIGNAL);
  if (stopSignal === undefined || NOT_STOP_SIGNALS.has(stopSignal)) {
    add('stopSignal', `expected a signal name that asks a process to stop, such as "SIGTERM" or "SIGINT", got ${describe(raw.stopSignal)}`);
  }
  const ms = (key: string, fallback: number): number => (raw[key] === undefined ? fallback : (duration(raw[key], (m) => add(key, m)) ?? fallback));
  const restart = raw.restart === false ? 'no' : (raw.restart ?? 'no');
  if (!RESTART_POLICIES.includes(restart as RestartPolicy)) add('restart', `expected one of no, on-failure, always, got ${describe(raw.restart)}`);
  else if (restart === 'always' && oneshot === true) add('restart', 'a oneshot cannot restart "always" (it is meant to exit): use on-failure');
  const maxRestarts = raw.maxRestarts ?? DEFAULT_MAX_RESTARTS;
  if (typeof maxRestarts !== 'number' || !Number.isInteger(maxRestarts) || maxRestarts < 0) add('maxRestarts', `expected a non-negative integer, got ${describe(maxRestarts)}`);
  let ready: ReadyCheck | undefined;
  if (raw.ready !== undefined) {
    try {
      ready = parseReadyCheck(raw.ready);
    } catch (error) {
      add('ready', (error as Error).message);
    }
  }
  if (ready !== undefined && oneshot === true) add('ready', 'a oneshot is ready when it exits 0; it takes no ready check');
  // Accepted, it was ignored: a hung oneshot held its dependents for good.
  if (raw.readyTimeout !== undefined && oneshot === true) add('readyTimeout', 'a oneshot is ready when it exits 0; bound its run in its command instead (`timeout 30s CMD`)');
  const env = environment(raw.env, (m) => add('env', m));
  const cwd = raw.cwd === undefined ? undefined : typeof raw.cwd === 'string' && raw.cwd.length > 0 ? raw.cwd : void add('cwd', `expected a directory path, got ${describe(raw.cwd)}`);
  // Like compose, a file's relative paths are relative to the file, not to where exitmon runs.
  const dir = cwd === undefined ? baseDir : isAbsolute(cwd) ? cwd : resolve(baseDir, cwd);
  const notADirectory = cwd === undefined ? undefined : directoryProblem(dir);
  if (notADirectory !== undefined) add('cwd', notADirectory);
  const restartDelayMs = ms('restartDelay', DEFAULT_RESTART_DELAY_MS);
  // Unset, the cap is never below the first delay (`restartDelay: 1m` alone is no error about a key nobody wrote).
  const maxRestartDelayMs = ms('maxRestartDelay', Math.max(DEFAULT_MAX_RESTART_DELAY_MS, restartDelayMs));
  if (maxRestartDelayMs < restartDelayMs) add('maxRestartDelay', `must not be shorter than restartDelay (${restartDelayMs}ms), got ${maxRestartDelayMs}ms`);
  return {
    name,
    argv: argv ?? [],
    after: after ?? [],
    oneshot: oneshot === true,
    stopSignal: stopSignal as NodeJS.Signals,
    stopGraceMs: ms('stopGrace', graceMs),
    ready,
    readyTimeoutMs: ms('readyTimeout', DEFAULT_READY_TIMEOUT_MS),
    restart: restart as RestartPolicy,
    restartDelayMs,
    maxRestartDelayMs,
    maxRestarts: maxRestarts as number,
    restartWindowMs: ms('restartWindow', DEFAULT_RESTART_WINDOW_MS),
    env: env ?? {},
    cwd: dir,
  };
}

// Unknown dependencies, depending on oneself, and cycles (the cycle printed).
function checkDependencies(services: readonly ResolvedService[], add: (service: string | undefined, key: string, message: string) => void): void {
  const names = new Set(services.map((s) => s.name));
  for (const s of services) {
    for (const dep of s.after) {
      if (dep === s.name) add(s.name, 'after', 'a service cannot depend on itself');
      else if (!names.has(dep)) add(s.name, 'after', `unknown service "${dep}" (known: ${[...names].join(', ')})`);
    }
  }
  const cycle = findCycle(services.map((s) => ({ name: s.name, after: s.after.filter((d) => d !== s.name && names.has(d)) })));
  if (cycle !== undefined) add(cycle[0], 'after', `dependency cycle: ${cycle.join(' -> ')}`);
}
