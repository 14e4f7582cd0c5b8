// Which children a runtime's own spawn API owns, in every thread of the
// process, so that exitmon never reaps them: their owner waits for them by pid and would get ECHILD (libuv
// then never emits 'exit', containerd #2855, boxlite #523; Bun's `exited` and
// Deno's `status` reject).
//
// How: each realm (the main thread and every worker that imports exitmon)
// wraps its spawn entry points once:
//   - node:child_process: ChildProcess.prototype.spawn (Node, Deno, Bun);
//   - synchronous spawns: child_process.spawnSync/execSync/execFileSync and
//     Bun.spawnSync/Deno.Command#outputSync hold the addon's "spawning" count
//     for their whole call, so a reaper in ANOTHER thread (whose JS runs
//     meanwhile) cannot take their child: on one thread nothing else runs
//     during the call, on several threads only this makes it safe;
//   - Bun.spawn and Deno.Command#spawn;
//   - asynchronous spawns whose children are never seen (Deno.Command#output,
//     Bun's shell `Bun.$`): "spawning" from the call until their promise
//     settles, and adopted() leaves out the children started meanwhile.
// A wrapper calls ownBegin() before the real spawn forks and ownEnd(pid) after
// it returned, so under the addon's lock such a child is always "being
// spawned" or in the process-wide table until its owner reaped it; the addon
// checks both under that lock before any reap (exitmon.c). This realm also
// keeps pid -> ChildProcess (and the exits Bun.spawn / Deno.Command will
// report), for the fallback when the runtime reaps first.
import { ChildProcess } from 'node:child_process';
import { installSpawnHooks } from './spawn-hooks.js';
import { nativeOf, REGISTRY_KEY, type Registry, type RuntimeExit } from './runtime-registry.js';

export type { RuntimeExit };

/**
 * Whether the runtime has reaped this node:child_process child: then its
 * pid is free for reuse, and exitCode/signalCode are its final status.
 * Marked when the reap happens for every child spawned after exitmon was
 * loaded; for others the fields tell, with one caution: Deno's kill() sets
 * signalCode at once, long before the child is reaped, so signalCode counts
 * only for a child nobody killed through its ChildProcess.
 */
export function childProcessReaped(child: ChildProcess): boolean {
  return registry().reaped?.has(child) === true || child.exitCode !== null || (child.signalCode !== null && !child.killed);
}

// The realm's registry, with every spawn wrapper installed on first use.
function registry(): Registry {
  const global = globalThis as { [REGISTRY_KEY]?: Registry };
  const existing = global[REGISTRY_KEY];
  if (existing) return existing;
  const created: Registry = { owned: new Map(), native: undefined };
  global[REGISTRY_KEY] = created;
  installSpawnHooks(created);
  return created;
}

// Deletes a stale ChildProcess entry (libuv reaped it but the entry stayed); true if it was stale.
function dropIfStale(registry: Registry, pid: number, child: ChildProcess): boolean {
  if (!childProcessReaped(child)) return false;
  registry.owned.delete(pid);
  registry.native?.ownDelete(pid);
  return true;
}

// Tracking starts when exitmon is imported: a child spawned earlier is not
// known (the sweep snapshots such children when it becomes subreaper and
// never touches them; see docs/linux.md).
registry();

/** The ChildProcess of this realm that owns pid, while libuv has not reaped it. */
export function ownedChildProcess(pid: number): ChildProcess | undefined {
  const reg = registry();
  const child = reg.owned.get(pid);
  if (!(child instanceof ChildProcess) || dropIfStale(reg, pid, child)) return undefined;
  return child;
}

/** The exit of pid as its runtime (Bun.spawn, Deno.Command in this realm) will report it, while it owns pid. */
export function runtimeChildExit(pid: number): Promise<RuntimeExit> | undefined {
  const reg = registry();
  return reg.owned.get(pid) === 'runtime' ? reg.exits?.get(pid) : undefined;
}

/**
 * True while pid is a live or unreaped child of a runtime spawn API
 * (node:child_process, Bun.spawn, Deno.Command) in any realm of this process
 * that imported exitmon (in this realm only, without the addon), or of
 * exitmon's native spawn in another realm (a worker's: it reaps its own).
 * Such a pid is only ever peeked at, never reaped, here.
 */
export function isOwnedByRuntime(pid: number): boolean {
  const reg = registry();
  const child = reg.owned.get(pid);
  if (child instanceof ChildProcess) return !dropIfStale(reg, pid, child);
  if (child !== undefined) return true;
  return nativeOf(reg)?.ownHas(pid) === 1;
}

/**
 * True when a child that started at `startTime` (clock ticks since boot) may
 * be a child of an asynchronous runtime spawn still running in this realm
 * (Bun's shell, Deno.Command#output()): it started no earlier than the tick
 * one of them opened at. Their pids are never seen, so this is all there is
 * to tell them from orphans (which the window delays, never loses).
 */
export function startedInSpawnWindow(startTime: number): boolean {
  const windows = registry().windows;
  if (windows === undefined) return false;
  for (const opened of windows.values()) if (startTime >= opened) return true;
  return false;
}
