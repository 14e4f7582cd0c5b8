// Who belongs to a process family in a /proc listing: the processes of a
// group, the children of a process, every descendant through ppid links.
// Stops build on these (stop-target.ts).
import { listProcesses, type ProcStat } from './proc-stat.js';

// The processes of one group, from a scan (zombies included: filter yourself).
export function processesInGroup(pgid: number, procs: readonly ProcStat[] = listProcesses()): ProcStat[] {
  return procs.filter((p) => p.pgrp === pgid);
}

// The children of one process, from a scan.
export function childrenOf(pid: number, procs: readonly ProcStat[] = listProcesses()): ProcStat[] {
  return procs.filter((p) => p.ppid === pid);
}

// Every descendant of the given roots through ppid links (roots excluded).
// Breadth-first over an index built once, so the cost is O(processes).
export function descendantsOf(roots: Iterable<number>, procs: readonly ProcStat[] = listProcesses()): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const p of procs) {
    const siblings = byParent.get(p.ppid);
    if (siblings) siblings.push(p);
    else byParent.set(p.ppid, [p]);
  }
  const out: ProcStat[] = [];
  const seen = new Set<number>(roots);
  const queue = [...seen];
  for (let i = 0; i < queue.length; i++) {
    for (const child of byParent.get(queue[i]!) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}
