// Runs one manager (exitmon up or supervisord) on the services workload and
// measures it from the outside: steady-state RSS, shutdown wall time after
// SIGTERM, processes of the workload still alive afterwards, and the restart
// latencies of the crasher read back from its own log.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from '../../src/proc/liveness.js';
import { descendantsOf } from '../../src/proc/tree.js';

/** What one manager run measured. */
export interface ManagerRun {
  readonly rssKiB: number;
  readonly shutdownMs: number;
  /** Processes of the workload alive after the manager exited (killed afterwards). */
  readonly survivors: number;
  /** Processes of the workload seen at steady state. */
  readonly processes: number;
  /** Exit -> next start of the crasher, in ms, each sample. */
  readonly restartMs: number[];
  readonly exitStatus: number | null;
}

const POLL_MS = 20;
const READY_TIMEOUT_MS = 60_000;

/** Starts argv, waits until `services` services are up and `restarts` crasher restarts happened, then stops it with SIGTERM. */
export async function measureManager(argv: readonly string[], dir: string, services: number, restarts: number): Promise<ManagerRun> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid!;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (lines(join(dir, 'up.log')).length < services || starts(join(dir, 'crash.log')) < restarts + 1) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${argv.join(' ')}: the workload did not come up within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const rssKiB = rss(pid);
  const family = descendantsOf([pid]).map((p) => p.pid);
  const t0 = performance.now();
  child.kill('SIGTERM');
  const exitStatus = await exited;
  const shutdownMs = performance.now() - t0;
  // Give the kernel a moment to finish tearing down SIGKILLed processes.
  await new Promise((r) => setTimeout(r, 100));
  const alive = family.filter(isRunning);
  for (const p of alive) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return { rssKiB, shutdownMs, survivors: alive.length, processes: family.length, restartMs: restartLatencies(join(dir, 'crash.log')), exitStatus };
}

function lines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
}

function starts(file: string): number {
  return lines(file).filter((l) => l.startsWith('start ')).length;
}

// exit_i -> start_{i+1}, in ms.
function restartLatencies(file: string): number[] {
  const out: number[] = [];
  let lastExit: bigint | undefined;
  for (const line of lines(file)) {
    const [what, stamp] = line.split(' ');
    if (what === 'exit') lastExit = microseconds(stamp!);
    else if (what === 'start' && lastExit !== undefined) {
      out.push(Number(microseconds(stamp!) - lastExit) / 1e3);
      lastExit = undefined;
    }
  }
  return out;
}

// The crasher's stamp (`1764480000.123456`, seconds and µs) in µs.
function microseconds(stamp: string): bigint {
  const [s, frac = ''] = stamp.split(/[.,]/);
  return BigInt(s!) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6));
}

function rss(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

