// Shared by the services tests: a temp dir per test, the logger fixture's
// command lines, its log read back, and every manager stopped afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceManager, type ServiceEvent, type ServicesConfig } from '../../src/index.js';

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const managers = new Set<ServiceManager>();
const dirs = new Set<string>();

/** A fresh temp dir, removed by cleanup(). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exitmon-services-'));
  dirs.add(dir);
  return dir;
}

/** A manager whose events are recorded; stopped (escalating) by cleanup(). */
export function managerFor(config: ServicesConfig): { manager: ServiceManager; events: ServiceEvent[] } {
  const manager = new ServiceManager(config, { stdio: 'ignore' });
  managers.add(manager);
  const events: ServiceEvent[] = [];
  manager.events.subscribe((e) => events.push(e));
  return { manager, events };
}

/** For afterEach: stops every manager at once and removes the temp dirs. */
export async function cleanup(): Promise<void> {
  await Promise.all([...managers].map((m) => m.forceStop().catch(() => undefined)));
  managers.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** The logger fixture as a service: writes start/stop lines to DIR/log, ready once DIR/NAME.ready exists. */
export function loggerService(name: string, dir: string, extra: { after?: string[]; ignoreTerm?: boolean; stopGrace?: string | number } = {}) {
  return {
    command: ['bash', fixture('services-logger.sh'), name, dir, ...(extra.ignoreTerm === true ? ['ignore'] : [])],
    ready: { command: ['test', '-e', join(dir, `${name}.ready`)] },
    ...(extra.after !== undefined ? { after: extra.after } : {}),
    ...(extra.stopGrace !== undefined ? { stopGrace: extra.stopGrace } : {}),
  };
}

/** The log lines: what ('start' | 'stop'), which service, when (ns, wall clock). */
export function readLog(dir: string): { what: string; name: string; ns: bigint }[] {
  let text = '';
  try {
    text = readFileSync(join(dir, 'log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const [what, name, ns] = line.split(' ');
      return { what: what!, name: name!, ns: BigInt(ns!) };
    });
}

/** When `name` logged `what` (ns); throws when it did not. */
export function when(log: ReturnType<typeof readLog>, what: string, name: string): bigint {
  const entry = log.find((e) => e.what === what && e.name === name);
  if (entry === undefined) throw new Error(`no "${what} ${name}" in the log: ${JSON.stringify(log.map((e) => `${e.what} ${e.name}`))}`);
  return entry.ns;
}

/** The events of one service, by name. */
export function eventsOf(events: readonly ServiceEvent[], service: string): string[] {
  return events.filter((e) => e.service === service).map((e) => e.event);
}
