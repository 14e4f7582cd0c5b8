// The contenders of the churn scenario: each starts `count` processes of
// COMMAND keeping `inFlight` running, waits for every exit, and returns
// processes per second. Every Node contender runs with its own defaults
// (stdio 'pipe'; execa also buffers the output), as a caller would.
import { execFile, spawn as spawnChild } from 'node:child_process';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { spawn } from '../../src/index.js';

const execFileAsync = promisify(execFile);

/** The process every contender starts. */
export const COMMAND = '/bin/true';

/** One contender: processes per second for one batch. */
export interface ChurnSubject {
  subject: string;
  run(count: number, inFlight: number): Promise<number>;
}

// Starts `count` jobs with at most `inFlight` pending; resolves with processes/s.
async function pool(count: number, inFlight: number, one: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (started < count) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return count / ((performance.now() - t0) / 1000);
}

// node:child_process: spawn and its 'exit' event.
function nodeExit(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(COMMAND);
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
}

// The C limit: bench/native/churn.c (posix_spawn + waitid) reports its own elapsed time.
async function cLoop(binary: string, count: number, inFlight: number): Promise<number> {
  const { stdout } = await execFileAsync(binary, [COMMAND, String(count), String(inFlight)]);
  return count / (Number(stdout.trim()) / 1e9);
}

export const EXITMON_SUBJECT = 'exitmon spawn + exited (native engine)';
export const EXITMON_CP_SUBJECT = "exitmon spawn + exited (engine: 'child_process')";
export const NODE_SUBJECT = "node:child_process 'exit'";
export const EXECA_SUBJECT = 'execa';
export const C_SUBJECT = 'C posix_spawn + waitid';

// Every contender; `cBinary` is bench/native/churn.c built.
export function churnSubjects(cBinary: string): ChurnSubject[] {
  return [
    { subject: EXITMON_SUBJECT, run: (n, k) => pool(n, k, () => spawn(COMMAND).exited) },
    { subject: EXITMON_CP_SUBJECT, run: (n, k) => pool(n, k, () => spawn(COMMAND, [], { engine: 'child_process' }).exited) },
    { subject: NODE_SUBJECT, run: (n, k) => pool(n, k, nodeExit) },
    { subject: EXECA_SUBJECT, run: (n, k) => pool(n, k, () => execa(COMMAND)) },
    { subject: C_SUBJECT, run: (n, k) => cLoop(cBinary, n, k) },
  ];
}
