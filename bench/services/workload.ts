// The services benchmark workload, written as an exitmon.yaml and as a
// supervisord.conf: LEVELS levels of PER_LEVEL services, each depending on
// two services of the level below, every other one ignoring SIGTERM, each
// with three grandchildren (one setsid); plus a crasher that exits 1 every
// 150 ms, for the restart latency.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeProgram } from '../lib/native.js';

const SERVICE = fileURLToPath(new URL('./service.sh', import.meta.url));

/** The shape of one run. */
export interface Workload {
  readonly levels: number;
  readonly perLevel: number;
  /** Stop grace of every service, in whole seconds (supervisord's stopwaitsecs is an integer). */
  readonly graceS: number;
  /** exitmon's restartDelay for the crasher, in ms (supervisord has no delay after a crash from RUNNING). */
  readonly restartDelayMs: number;
}

export interface Service {
  readonly name: string;
  readonly level: number;
  readonly after: string[];
  readonly ignoresTerm: boolean;
}

/** The services of a workload, level 0 first. */
export function servicesOf(w: Workload): Service[] {
  const out: Service[] = [];
  for (let level = 0; level < w.levels; level++) {
    for (let i = 0; i < w.perLevel; i++) {
      const after = level === 0 ? [] : [...new Set([`s${level - 1}_${i}`, `s${level - 1}_${(i + 1) % w.perLevel}`])];
      out.push({ name: `s${level}_${i}`, level, after, ignoresTerm: (level * w.perLevel + i) % 2 === 0 });
    }
  }
  return out;
}

/** Writes DIR/exitmon.yaml (as JSON, which is YAML too); returns its path. */
export function writeExitmonConfig(dir: string, w: Workload): string {
  const services: Record<string, unknown> = {};
  for (const s of servicesOf(w)) {
    services[s.name] = { command: ['sh', SERVICE, s.name, join(dir, 'up.log'), ...(s.ignoresTerm ? ['ignore'] : [])], after: s.after };
  }
  // The window is shorter than the crasher's life, so every crash is the first
  // in its window: the backoff stays at restartDelay and no crash loop is declared.
  services.crasher = { command: [nativeProgram('crasher'), join(dir, 'crash.log')], restart: 'always', restartDelay: w.restartDelayMs, restartWindow: 100 };
  const file = join(dir, 'exitmon.json');
  writeFileSync(file, JSON.stringify({ grace: `${w.graceS}s`, services }, null, 2));
  return file;
}

/**
 * Writes DIR/supervisord.conf at supervisord's best for this workload: one
 * [group:] per level with rising priority (groups start in priority order and
 * stop in reverse, one group at a time, each group's programs together),
 * stopasgroup and killasgroup on, startsecs=0.
 */
export function writeSupervisordConfig(dir: string, w: Workload): string {
  const lines = [
    '[supervisord]',
    'nodaemon=true',
    `logfile=${join(dir, 'supervisord.log')}`,
    `pidfile=${join(dir, 'supervisord.pid')}`,
    `childlogdir=${dir}`,
    'loglevel=warn',
    '',
  ];
  const program = (name: string, command: string, extra: string[]): void => {
    lines.push(`[program:${name}]`, `command=${command}`, 'stopasgroup=true', 'killasgroup=true', `stopwaitsecs=${w.graceS}`, 'startsecs=0', 'stdout_logfile=NONE', 'stderr_logfile=NONE', ...extra, '');
  };
  const services = servicesOf(w);
  for (const s of services) program(s.name, `sh ${SERVICE} ${s.name} ${join(dir, 'up.log')}${s.ignoresTerm ? ' ignore' : ''}`, ['autorestart=false']);
  program('crasher', `${nativeProgram('crasher')} ${join(dir, 'crash.log')}`, ['autorestart=true', 'startretries=1000']);
  for (let level = 0; level < w.levels; level++) {
    const members = services.filter((s) => s.level === level).map((s) => s.name);
    lines.push(`[group:level${level}]`, `programs=${members.join(',')}`, `priority=${100 * (level + 1)}`, '');
  }
  const file = join(dir, 'supervisord.conf');
  writeFileSync(file, lines.join('\n'));
  return file;
}
