// Which pids node:child_process (libuv) owns. libuv reaps only its own
// children, one waitpid(pid) per ChildProcess handle; if anyone else reaps one
// first, libuv gets ECHILD and the 'exit' event never fires (containerd #2855,
// boxlite #523). So the reaper must know these pids soundly, not guess.
//
// How: ChildProcess.prototype.spawn is wrapped once per realm (the main thread
// and every worker thread that imports exitmon has its own prototype). Every
// spawn/exec/execFile/fork goes through it. Two registries record the pid:
//
//   - this realm's map, pid -> ChildProcess (for the 'exit' event fallback);
//   - with the native addon, the process-wide table inside the addon, shared
//     by every realm of the process. The wrapper calls ownBegin() before the
//     real spawn forks and ownEnd(pid) right after it returned, so under the
//     addon's lock a libuv child is always either "being spawned" or in the
//     table; reapUnowned() checks both under the same lock, so a reaper in one
//     thread never takes a child from libuv in another (docs/linux.md).
//
// A pid is forgotten when libuv reaped it: the wrapper hooks the handle's
// onexit callback (which libuv's exit callback calls right after its
// waitpid), falling back to an 'exit' listener. Independently of that hook,
// a child counts as owned only while `exitCode === null && signalCode ===
// null` (both are set in that same callback), and stale entries are deleted
// lazily, so removing every 'exit' listener cannot make a pid look owned
// forever.
import { ChildProcess } from 'node:child_process';
import { loadNative, type NativeBinding } from '../native/load.js';

interface Registry {
  readonly owned: Map<number, ChildProcess>;
  /** The addon of this realm: undefined until the first spawn, null without it. */
  native: NativeBinding | null | undefined;
}

// Shared through globalThis so an ESM and a CJS copy of exitmon loaded into one
// realm wrap the prototype once and agree on the owned pids.
const REGISTRY_KEY = Symbol.for('exitmon.childProcessRegistry');

type SpawnFn = (this: ChildProcess, ...args: unknown[]) => unknown;
type ExitHandle = { onexit?: (...args: unknown[]) => unknown };

// libuv reaped the child: it is no longer owned.
function hasBeenReaped(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

// The addon for this realm, loaded on first use (null: the JS registry alone).
function nativeOf(registry: Registry): NativeBinding | null {
  if (registry.native === undefined) {
    try {
      const binding = loadNative();
      registry.native = binding !== null && typeof binding.ownBegin === 'function' ? binding : null;
    } catch {
      registry.native = null;
    }
  }
  return registry.native;
}

// Installs the wrapper on first use and returns the registry.
function registry(): Registry {
  const global = globalThis as { [REGISTRY_KEY]?: Registry };
  const existing = global[REGISTRY_KEY];
  if (existing) return existing;
  const created: Registry = { owned: new Map(), native: undefined };
  global[REGISTRY_KEY] = created;
  const proto = ChildProcess.prototype as unknown as { spawn: SpawnFn };
  const original = proto.spawn;
  proto.spawn = function spawn(this: ChildProcess, ...args: unknown[]): unknown {
    const native = nativeOf(created);
    native?.ownBegin();
    try {
      return original.apply(this, args);
    } finally {
      // Ends the "being spawned" window and records the pid in the same
      // locked step. Runs before any other JS (a reaper included). this.pid,
      // read here, is set even if spawn threw after the fork.
      const pid = this.pid;
      native?.ownEnd(pid ?? 0);
      if (pid !== undefined) track(created, native, this, pid);
    }
  };
  return created;
}

// Records pid for this realm and arranges for it to be forgotten when libuv reaps it.
function track(registry: Registry, native: NativeBinding | null, child: ChildProcess, pid: number): void {
  registry.owned.set(pid, child);
  let forgotten = false;
  const forget = (): void => {
    if (forgotten) return;
    forgotten = true;
    if (registry.owned.get(pid) === child) registry.owned.delete(pid);
    native?.ownDelete(pid);
  };
  // The handle's onexit runs right after libuv's waitpid, before 'exit' is
  // emitted and whatever the listeners are; libuv looks the property up at
  // call time, so wrapping it here takes effect.
  const handle = (child as unknown as { _handle?: ExitHandle | null })._handle;
  const onexit = handle?.onexit;
  if (handle && typeof onexit === 'function') {
    handle.onexit = function (this: unknown, ...args: unknown[]): unknown {
      forget();
      return onexit.apply(this, args);
    };
  } else {
    child.once('exit', forget);
  }
}

// Deletes a stale entry (libuv reaped it but the entry stayed); true if it was stale.
function dropIfStale(registry: Registry, pid: number, child: ChildProcess): boolean {
  if (!hasBeenReaped(child)) return false;
  registry.owned.delete(pid);
  registry.native?.ownDelete(pid);
  return true;
}

// Tracking starts when exitmon is imported: a child spawned earlier is not
// known (the reaper snapshots such children when it becomes subreaper and
// never touches them; see docs/linux.md).
registry();

/** The ChildProcess of this realm that owns pid, while libuv has not reaped it. */
export function ownedChildProcess(pid: number): ChildProcess | undefined {
  const reg = registry();
  const child = reg.owned.get(pid);
  if (child === undefined || dropIfStale(reg, pid, child)) return undefined;
  return child;
}

/**
 * True while pid is a live or unreaped child of node:child_process in any
 * realm of this process that imported exitmon (in this realm only, without
 * the addon).
 */
export function isOwnedByChildProcess(pid: number): boolean {
  const reg = registry();
  const child = reg.owned.get(pid);
  if (child !== undefined) return !dropIfStale(reg, pid, child);
  return nativeOf(reg)?.ownHas(pid) === 1;
}
