// Which pids node:child_process (libuv) owns. libuv reaps only its own
// children, one waitpid(pid) per ChildProcess handle; if anyone else reaps one
// first, libuv gets ECHILD and the 'exit' event never fires (containerd #2855,
// boxlite #523). So the reaper must know these pids soundly, not guess.
//
// How: ChildProcess.prototype.spawn is wrapped once. Every spawn/exec/execFile/
// fork goes through it; the pid is recorded before spawn() returns, i.e. before
// any JS (the reaper included) can run, and forgotten in the child's first
// 'exit' listener, which runs right after libuv reaped it.
import { ChildProcess } from 'node:child_process';

interface Registry {
  readonly owned: Map<number, ChildProcess>;
}

// Shared through globalThis so an ESM and a CJS copy of exitmon loaded into one
// process wrap the prototype once and agree on the owned pids.
const REGISTRY_KEY = Symbol.for('exitmon.childProcessRegistry');

type SpawnFn = (this: ChildProcess, ...args: unknown[]) => unknown;

// Installs the wrapper on first use and returns the registry.
function registry(): Registry {
  const global = globalThis as { [REGISTRY_KEY]?: Registry };
  const existing = global[REGISTRY_KEY];
  if (existing) return existing;
  const created: Registry = { owned: new Map() };
  global[REGISTRY_KEY] = created;
  const proto = ChildProcess.prototype as unknown as { spawn: SpawnFn };
  const original = proto.spawn;
  proto.spawn = function spawn(this: ChildProcess, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    const pid = this.pid;
    if (pid !== undefined) {
      created.owned.set(pid, this);
      this.once('exit', () => {
        if (created.owned.get(pid) === this) created.owned.delete(pid);
      });
    }
    return result;
  };
  return created;
}

// Tracking starts when exitmon is imported: a child spawned earlier is not
// known (the reaper snapshots such children when it becomes subreaper and
// never touches them; see docs/linux.md).
registry();

/** The ChildProcess that owns pid, while libuv has not reaped it. */
export function ownedChildProcess(pid: number): ChildProcess | undefined {
  return registry().owned.get(pid);
}

/** True while pid is a live or unreaped child of node:child_process. */
export function isOwnedByChildProcess(pid: number): boolean {
  return registry().owned.has(pid);
}
