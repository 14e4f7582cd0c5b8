// Readers of single values of the services schema: each takes the raw value
// and either returns it checked and normalised or reports one problem through
// `fail`, in words that name what was expected. config.ts walks the schema
// and names the service and key.
import { statSync } from 'node:fs';
import { SIGNAL_NUMBERS } from '../core/signals.js';
import { describe } from '../core/validate.js';
import { DURATION_EXPECTED, parseServiceDuration } from './duration.js';
import { commandNulProblem } from './readiness.js';

// A signal name as supervisord and compose take it too: `TERM`, `sigterm`
// and `SIGTERM` all mean SIGTERM. Undefined when it names no signal.
export function signalName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return SIGNAL_NUMBERS[name] === undefined ? undefined : name;
}

// Why `path` cannot be a working directory now, or undefined when it can: a
// missing one would otherwise surface only at start, as the spawn's ENOENT,
// which reads as if the command were missing.
export function directoryProblem(path: string): string | undefined {
  try {
    return statSync(path).isDirectory() ? undefined : `not a directory: ${path}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no such directory: ${path}` : `cannot use ${path} (${code ?? (error as Error).message})`;
  }
}

// `command`: a non-empty string (run by the shell) or a non-empty argv,
// without NUL bytes (commandNulProblem).
export function commandArgv(value: unknown, fail: (message: string) => void): string[] | undefined {
  let argv: string[] | undefined;
  if (typeof value === 'string' && value.trim().length > 0) argv = ['/bin/sh', '-c', value];
  else if (Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === 'string') && (value[0] as string).length > 0) argv = [...(value as string[])];
  else fail(`expected a non-empty string (run by /bin/sh -c) or a non-empty array of strings (argv), got ${describe(value)}`);
  const nul = argv === undefined ? undefined : commandNulProblem(argv);
  if (nul !== undefined) {
    fail(nul);
    return undefined;
  }
  return argv;
}

export function stringList(value: unknown, fail: (message: string) => void): string[] | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...new Set(value as string[])];
  fail(`expected an array of service names, got ${describe(value)}`);
  return undefined;
}

export function bool(value: unknown, fail: (message: string) => void): boolean | undefined {
  if (typeof value === 'boolean') return value;
  fail(`expected true or false, got ${describe(value)}`);
  return undefined;
}

export function duration(value: unknown, fail: (message: string) => void): number | undefined {
  const ms = parseServiceDuration(value);
  if (ms === undefined) fail(`expected ${DURATION_EXPECTED}, got ${describe(value)}`);
  return ms;
}

// `env`: string values; numbers and booleans are taken as YAML users mean them.
export function environment(value: unknown, fail: (message: string) => void): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    fail(`expected a map of variable names to strings, got ${describe(value)}`);
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    // execve would take `A=B` for A, and a NUL ends the C string: caught here, before anything starts.
    if (key === '' || key.includes('=') || key.includes('\0')) fail(`expected a variable name without '=' or NUL, got ${describe(key)}`);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      if (String(v).includes('\0')) fail(`expected ${key} to contain no NUL byte`);
      else env[key] = String(v);
    } else fail(`expected ${key} to be a string, got ${describe(v)}`);
  }
  return env;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
