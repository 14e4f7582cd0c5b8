// Parent links between processes, from one /proc listing: children,
// zombie children, descendants, group members. /proc/<pid>/task/<tid>/children
// needs CONFIG_PROC_CHILDREN, which common kernels (this one included) lack,
// so every question here is answered from listProcesses().
import { hasExited } from './liveness.js';
import { listProcesses, type ProcStat } from './stat.js';

/** The children of `parent`, whatever their state. */
export function childrenOf(parent: number, procs: readonly ProcStat[] = listProcesses()): ProcStat[] {
  return procs.filter((p) => p.ppid === parent);
}

/** The children of `parent` that have exited and await a wait (see hasExited: a 'Z' leader with live threads is not one). */
export function zombieChildren(parent: number, procs: readonly ProcStat[] = listProcesses()): ProcStat[] {
  return procs.filter((p) => p.ppid === parent && p.state === 'zombie' && hasExited(p));
}

/** The processes of one group (zombies included: filter yourself). */
export function processesInGroup(pgid: number, procs: readonly ProcStat[] = listProcesses()): ProcStat[] {
  return procs.filter((p) => p.pgrp === pgid);
}

/**
 * Every descendant of the given roots through ppid links (roots excluded).
 * Breadth-first over an index built once, so the cost is O(processes).
 */
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
