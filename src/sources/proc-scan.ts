// Deprecated location, kept so that branches written against 0.1 still build:
// every piece of /proc knowledge now lives in src/proc/ (stat.ts, tree.ts).
import { listProcesses, type ProcStat } from '../proc/stat.js';
import { zombieChildren as zombieChildrenOf } from '../proc/tree.js';

export { readProcStat, type ProcStat } from '../proc/stat.js';

/** @deprecated Use zombieChildren from src/proc/tree.ts. The zombies whose parent is `parent`, by pid. */
export function zombieChildren(parent: number = process.pid): Map<number, ProcStat> {
  return new Map(zombieChildrenOf(parent).map((p) => [p.pid, p]));
}

/** @deprecated Use childrenOf from src/proc/tree.ts. Every child of `parent` with its start time. */
export function childrenOf(parent: number = process.pid): Map<number, number> {
  const children = new Map<number, number>();
  for (const p of listProcesses()) if (p.ppid === parent) children.set(p.pid, p.startTime);
  return children;
}
