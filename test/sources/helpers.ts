// Shared helpers for the reaper tests: fixtures, zombie census, polling waits.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExitEvent } from '../../src/core/exit-event.js';
import type { ExitMonitor } from '../../src/core/monitor.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

// Runs a fixture (.mjs with this node, else as an executable) and returns the
// pids it printed, one per line.
export function runFixture(name: string, args: readonly (string | number)[] = []): Promise<number[]> {
  const argv = args.map(String);
  const [file, fileArgs] = name.endsWith('.mjs') ? [process.execPath, [FIXTURES + name, ...argv]] : [FIXTURES + name, argv];
  return new Promise((resolve, reject) => {
    execFile(file, fileArgs, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.trim().split('\n').filter(Boolean).map(Number));
    });
  });
}

// Reads state and ppid from /proc/<pid>/stat (after the last ')'), or null.
export function stateOf(pid: number): { state: string; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

// Children of this process (any state, zombies included): independent of the code under test.
export function ourChildren(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => stateOf(pid)?.ppid === process.pid);
}

// Zombies whose parent is this process: independent of the code under test.
export function ourZombies(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const s = stateOf(pid);
      return s !== null && s.state === 'Z' && s.ppid === process.pid;
    });
}

// Polls until predicate() is true; rejects with `what` after timeoutMs.
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Records every event published to monitor, by pid.
export function recordExits(monitor: ExitMonitor): { events: ExitEvent[]; byPid: Map<number, ExitEvent[]>; stop(): void } {
  const events: ExitEvent[] = [];
  const byPid = new Map<number, ExitEvent[]>();
  const sub = monitor.subscribe('all', (event) => {
    events.push(event);
    const list = byPid.get(event.pid) ?? [];
    list.push(event);
    byPid.set(event.pid, list);
  });
  return { events, byPid, stop: () => sub.unsubscribe() };
}
