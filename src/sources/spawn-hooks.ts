// The wrappers around every runtime spawn entry point (why: runtime-children.ts):
// each opens the addon's "spawning" window before the real call forks and
// closes it in the same synchronous step, recording the child as owned.
import * as childProcess from 'node:child_process';
import { ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import type { NativeBinding } from '../native/load.js';
import { ticksSinceBoot } from '../proc/uptime.js';
import { nativeOf, type Registry, type RuntimeExit } from './runtime-registry.js';

type Fn = (this: unknown, ...args: unknown[]) => unknown;
type ExitHandle = { onexit?: Fn };

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

// Opens a window in which the runtime spawns children that this realm never
// sees (no pid): the addon's "spawning" count, so no thread reaps a child it
// cannot attribute, and the tick it opened at, for adopted(). Returns its
// close, which may be called more than once.
function openWindow(registry: Registry): () => void {
  const native = nativeOf(registry);
  const windows = (registry.windows ??= new Map());
  const key = {};
  // Before the spawn: a child's start time is never earlier than this tick.
  windows.set(key, ticksSinceBoot() ?? 0);
  native?.ownBegin();
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    windows.delete(key);
    native?.ownEnd(0);
  };
}

// Closes a window once `value` settles (at once when it is no promise),
// through Promise.prototype.then: a wrapped then() must not see it.
function closeWhenSettled(value: unknown, close: () => void): void {
  if (value instanceof Promise) Promise.prototype.then.call(value, close, close);
  else close();
}

// Calls the real spawn in a window that closes once `awaited(result)` settles (at once if the call threw).
function callInWindow(registry: Registry, original: Fn, self: unknown, args: unknown[], awaited: (result: unknown) => unknown): unknown {
  const close = openWindow(registry);
  try {
    const result = original.apply(self, args);
    closeWhenSettled(awaited(result), close);
    return result;
  } catch (error) {
    close();
    throw error;
  }
}

// Deno.Command#output() spawns and reaps inside one promise, pid unseen: a window until it settles.
function outputHook(registry: Registry): (original: Fn) => Fn {
  return (original) =>
    function (this: unknown, ...args: unknown[]): unknown {
      return callInWindow(registry, original, this, args, (promise) => promise);
    };
}

// Bun's shell (Bun.$, new $.Shell(), $.sandbox()): a ShellPromise starts its
// commands on its first then() (await) or run() and spawns them natively, not
// through Bun.spawn, pids unseen: a window from that call until it settles.
function shellHook(registry: Registry): (original: Fn) => Fn {
  const started = new WeakSet<object>();
  return (original) =>
    function (this: unknown, ...args: unknown[]): unknown {
      if (typeof this !== 'object' || this === null || started.has(this)) return original.apply(this, args);
      const shell = this;
      started.add(shell);
      return callInWindow(registry, original, shell, args, () => shell);
    };
}

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

/** Wraps every spawn entry point this runtime has, once per realm (the caller keeps it once). */
export function installSpawnHooks(registry: Registry): void {
  const global = globalThis as { Bun?: Record<string, unknown>; Deno?: { Command?: { prototype: object } } };
  wrapMethod(ChildProcess.prototype, 'spawn', spawnHook(registry, endWithChildProcess(registry)));
  // The module namespace object of a builtin is not writable; its default export is.
  const cp = ((childProcess as unknown as { default?: object }).default ?? childProcess) as object;
  let synced = false;
  for (const name of ['spawnSync', 'execSync', 'execFileSync']) synced = wrapMethod(cp, name, spawnHook(registry, endAtReturn)) || synced;
  if (synced) {
    try {
      syncBuiltinESMExports(); // named ESM imports see the wrappers too
    } catch {
      // Not every runtime implements it; require() callers are covered anyway.
    }
  }
  const bun = global.Bun;
  // Bun: `exited` resolves once reaped; exitCode/signalCode are set by then.
  wrapMethod(bun, 'spawn', spawnHook(registry, endWithRuntimeChild(registry, async (subprocess) => {
    await subprocess.exited;
    const { exitCode, signalCode } = subprocess as { exitCode?: number | null; signalCode?: NodeJS.Signals | null };
    return { code: signalCode ? null : (exitCode ?? null), signal: signalCode ?? null };
  })));
  wrapMethod(bun, 'spawnSync', spawnHook(registry, endAtReturn));
  const shell = (bun?.$ as { ShellPromise?: { prototype: object } } | undefined)?.ShellPromise?.prototype;
  const shellStart = shellHook(registry); // one per realm: then() and run() share its "started"
  wrapMethod(shell, 'then', shellStart);
  wrapMethod(shell, 'run', shellStart);
  const command = global.Deno?.Command?.prototype;
  // Deno: `status` resolves once reaped, with the signal's name for a signal death.
  wrapMethod(command, 'spawn', spawnHook(registry, endWithRuntimeChild(registry, async (child) => {
    const { code, signal } = (await child.status) as { code: number; signal: NodeJS.Signals | null };
    return { code: signal ? null : code, signal: signal ?? null };
  })));
  wrapMethod(command, 'output', outputHook(registry));
  wrapMethod(command, 'outputSync', spawnHook(registry, endAtReturn));
}
