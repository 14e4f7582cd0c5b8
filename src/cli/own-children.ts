// The zombie children of this exitmon process, through the public
// listProcesses() (a read-only scan of /proc/*/stat: looking never reaps
// anything): what "zombies left" counts. Orphans to stop come from
// reaper.adopted(), which knows which children are ours.
import { listProcesses, type ProcStat } from '../index.js';

// Every current child of this process (zombies included).
export function ownChildren(): ProcStat[] {
  const self = process.pid;
  return listProcesses().filter((p) => p.ppid === self);
}

// Children that exited and wait to be reaped: what "zombies left" counts.
export function zombieChildren(): ProcStat[] {
  return ownChildren().filter((c) => c.state === 'zombie');
}
