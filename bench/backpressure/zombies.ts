// Zombie census: zsample (a separate process, so scanning /proc costs the
// measured loop nothing) counts this worker's zombie children every few ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Zombie counts seen during one run. */
export interface ZombieCensus {
  samples: number;
  max: number;
  mean: number;
  /** Count in the last sample (after the run's catch-up time). */
  last: number;
}

/** A running zsample process. */
export class ZombieSampler {
  readonly #file: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(binary: string, label: string, intervalMs: number) {
    this.#file = path.join(tmpdir(), `exitmon-bp-${process.pid}-${label}.zombies`);
    const fd = openSync(this.#file, 'w');
    this.#child = spawn(binary, [String(process.pid), String(intervalMs)], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
    this.#exited = new Promise((resolve) => this.#child.on('exit', () => resolve()));
  }

  // Stops sampling and summarises every sample taken.
  async stop(): Promise<ZombieCensus> {
    this.#child.kill('SIGTERM');
    await this.#exited;
    const counts = readFileSync(this.#file, 'utf8')
      .split('\n')
      .map((line) => Number(line.split(' ')[1]))
      .filter((n) => Number.isInteger(n) && n >= 0);
    rmSync(this.#file, { force: true });
    const sum = counts.reduce((a, b) => a + b, 0);
    return {
      samples: counts.length,
      max: counts.reduce((a, b) => Math.max(a, b), 0),
      mean: counts.length === 0 ? 0 : sum / counts.length,
      last: counts[counts.length - 1] ?? 0,
    };
  }
}
