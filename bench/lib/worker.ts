// Runs part of a scenario in a child Node process (with tsx), for what is
// per process: the child-subreaper flag, the orphans it adopts, its /proc
// children. The worker prints one JSON document as its last stdout line.
import { spawn } from 'node:child_process';
import { ROOT } from './paths.js';

// Runs `node --import tsx file ...args` from the repository root and parses
// the last line of its stdout as JSON. Rejects when it exits non-zero.
export function runWorker<T>(file: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`worker ${file} exited with ${code ?? signal}`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch (error) {
        reject(new Error(`worker ${file} printed no JSON result: ${last.slice(0, 200)}`, { cause: error }));
      }
    });
  });
}
