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
//   - Bun.spawn and Deno.Command#spawn/#output.
// A wrapper calls ownBegin() before the real spawn forks and ownEnd(pid) after
// it returned, so under the addon's lock such a child is always "being
// spawned" or in the process-wide table until its owner reaped it; the addon
// checks both under that lock before any reap (exitmon.c). This realm also
// keeps pid -> ChildProcess (and the exits Bun.spawn / Deno.Command will
// report), for the fallback when the runtime reaps first.
import * as childProcess from 'node:child_process';
import { ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { loadNative, type NativeBinding } from '../native/load.js';

/** How a runtime reported a child's exit: its code, or the signal that ended it. */
export interface RuntimeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Registry {
  /**
   * node:child_process children of this realm; 'runtime': a Bun.spawn /
   * Deno.Command child. The shape every copy of exitmon sharing this key
   * (v1) understands: additions go in optional fields below.
   */
  readonly owned: Map<number, ChildProcess | 'runtime'>;
  /** The exits that Bun.spawn / Deno.Command will report, by pid, while owned. Made on first use. */
  exits?: Map<number, Promise<RuntimeExit>>;
  /** The addon of this realm: undefined until first use, null without it. */
  native: NativeBinding | null | undefined;
  /**
   * ChildProcesses whose exit the runtime reaped, marked the moment it did
   * (trackChildProcess): before 'exit' is emitted, whatever its listeners.
   * Made on first use: a registry made by an older copy of exitmon lacks it.
   */
  reaped?: WeakSet<ChildProcess>;
}

// Shared through globalThis so an ESM and a CJS copy of exitmon in one realm
// wrap each API once and agree on the owned pids.
const REGISTRY_KEY = Symbol.for('exitmon.ownership.v1');

type Fn = (this: unknown, ...args: unknown[]) => unknown;
type ExitHandle = { onexit?: Fn };

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

let warnedAboutMemory = false;

// Ends a spawn's "in flight" window by recording pid in the addon's table and
// returns what forgets it once its owner reaped it. When the table cannot grow
// (ownEnd: -ENOMEM) the pid is not in it, so the window stays open instead
// until then: every reap in every thread is refused meanwhile, which is safe.
function endSpawn(native: NativeBinding | null, pid: number): () => void {
  if (native === null) return () => undefined;
  if (native.ownEnd(pid) >= 0) return () => void native.ownDelete(pid);
  if (!warnedAboutMemory) {
    warnedAboutMemory = true;
    process.emitWarning('exitmon: out of memory recording a child pid; reaping is paused until that child exits', { type: 'ExitmonWarning', code: 'EXITMON_OWN_ENOMEM' });
  }
  return () => void native.ownEnd(0);
}

// Replaces object[key] by wrap(original) when it is a function; false when it is not there or not writable.
function wrapMethod(object: object | undefined, key: string, wrap: (original: Fn) => Fn): boolean {
  if (object === undefined || object === null) return false;
  const original = (object as Record<string, unknown>)[key];
  if (typeof original !== 'function') return false;
  try {
    const wrapped = wrap(original as Fn);
    // Named after the method it replaces (stack traces, feature checks).
    Object.defineProperty(wrapped, 'name', { value: key });
    (object as Record<string, unknown>)[key] = wrapped;
    return (object as Record<string, unknown>)[key] !== original;
  } catch {
    return false;
  }
}

// What closes a wrapped spawn's "spawning" window, given what the call returned (or undefined if it threw) and its `this`.
type SpawnEnd = (native: NativeBinding | null, result: unknown, self: unknown) => void;

// Wraps a spawn entry point: the window opens before the real call forks and
// `end` closes it in the same synchronous step, before any other JS runs.
function spawnHook(registry: Registry, end: SpawnEnd): (original: Fn) => Fn {
  return (original) =>
    function (this: unknown, ...args: unknown[]): unknown {
      const native = nativeOf(registry);
      native?.ownBegin();
      let result: unknown;
      try {
        result = original.apply(this, args);
        return result;
      } finally {
        end(native, result, this);
      }
    };
}

// A synchronous spawn: "spawning" for the whole call (no reap in any thread may take its child).
const endAtReturn: SpawnEnd = (native) => void native?.ownEnd(0);

// Deno.Command#output() spawns and reaps inside one promise, pid unseen: "spawning" until it settles.
const endWhenSettled: SpawnEnd = (native, promise) => {
  const end = (): void => void native?.ownEnd(0);
  if (promise instanceof Promise) promise.then(end, end);
  else end();
};

// node:child_process: the ChildProcess is `this`; child.pid is set even if spawn threw after the fork.
function endWithChildProcess(registry: Registry): SpawnEnd {
  return (native, _result, self) => {
    const child = self as ChildProcess;
    const pid = child.pid;
    const release = endSpawn(native, pid ?? 0);
    if (pid !== undefined) trackChildProcess(registry, child, pid, release);
  };
}

// Bun.spawn / Deno.Command#spawn: the result has the pid, and `exitOf` its exit, settled once reaped.
function endWithRuntimeChild(registry: Registry, exitOf: (result: Record<string, unknown>) => Promise<RuntimeExit>): SpawnEnd {
  return (native, result) => {
    const pid = (result as { pid?: unknown } | undefined)?.pid;
    const release = endSpawn(native, typeof pid === 'number' && pid > 0 ? pid : 0);
    if (typeof pid !== 'number' || pid <= 0) return;
    const exit = exitOf(result as Record<string, unknown>);
    const exits = (registry.exits ??= new Map());
    if (!registry.owned.has(pid)) registry.owned.set(pid, 'runtime');
    exits.set(pid, exit);
    const forget = (): void => {
      if (exits.get(pid) === exit) {
        exits.delete(pid);
        if (registry.owned.get(pid) === 'runtime') registry.owned.delete(pid);
      }
      release();
    };
    exit.then(forget, forget);
  };
}

// Installs every wrapper on first use and returns the registry.
function registry(): Registry {
  const global = globalThis as { [REGISTRY_KEY]?: Registry; Bun?: Record<string, unknown>; Deno?: { Command?: { prototype: object } } };
  const existing = global[REGISTRY_KEY];
  if (existing) return existing;
  const created: Registry = { owned: new Map(), native: undefined };
  global[REGISTRY_KEY] = created;
  wrapMethod(ChildProcess.prototype, 'spawn', spawnHook(created, endWithChildProcess(created)));
  // The module namespace object of a builtin is not writable; its default export is.
  const cp = ((childProcess as unknown as { default?: object }).default ?? childProcess) as object;
  let synced = false;
  for (const name of ['spawnSync', 'execSync', 'execFileSync']) synced = wrapMethod(cp, name, spawnHook(created, endAtReturn)) || synced;
  if (synced) {
    try {
      syncBuiltinESMExports(); // named ESM imports see the wrappers too
    } catch {
      // Not every runtime implements it; require() callers are covered anyway.
    }
  }
  const bun = global.Bun;
  // Bun: `exited` resolves once reaped; exitCode/signalCode are set by then.
  wrapMethod(bun, 'spawn', spawnHook(created, endWithRuntimeChild(created, async (subprocess) => {
    await subprocess.exited;
    const { exitCode, signalCode } = subprocess as { exitCode?: number | null; signalCode?: NodeJS.Signals | null };
    return { code: signalCode ? null : (exitCode ?? null), signal: signalCode ?? null };
  })));
  wrapMethod(bun, 'spawnSync', spawnHook(created, endAtReturn));
  const command = global.Deno?.Command?.prototype;
  // Deno: `status` resolves once reaped, with the signal's name for a signal death.
  wrapMethod(command, 'spawn', spawnHook(created, endWithRuntimeChild(created, async (child) => {
    const { code, signal } = (await child.status) as { code: number; signal: NodeJS.Signals | null };
    return { code: signal ? null : code, signal: signal ?? null };
  })));
  wrapMethod(command, 'output', spawnHook(created, endWhenSettled));
  wrapMethod(command, 'outputSync', spawnHook(created, endAtReturn));
  return created;
}

// Records a ChildProcess pid for this realm and forgets it when libuv reaps it.
function trackChildProcess(registry: Registry, child: ChildProcess, pid: number, release: () => void): void {
  registry.owned.set(pid, child);
  let forgotten = false;
  const forget = (): void => {
    if (forgotten) return;
    forgotten = true;
    (registry.reaped ??= new WeakSet()).add(child);
    if (registry.owned.get(pid) === child) registry.owned.delete(pid);
    release();
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
 * that imported exitmon (in this realm only, without the addon). Such a pid
 * is only ever peeked at, never reaped.
 */
export function isOwnedByRuntime(pid: number): boolean {
  const reg = registry();
  const child = reg.owned.get(pid);
  if (child instanceof ChildProcess) return !dropIfStale(reg, pid, child);
  if (child !== undefined) return true;
  return nativeOf(reg)?.ownHas(pid) === 1;
}
