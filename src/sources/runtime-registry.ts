// The registry of runtime-owned children that every copy of exitmon in one
// realm shares (ESM and CJS builds, two installed copies): its shape, and the
// realm's addon that holds the process-wide part of it (exitmon.c).
import type { ChildProcess } from 'node:child_process';
import { loadNative, type NativeBinding } from '../native/load.js';

/** How a runtime reported a child's exit: its code, or the signal that ended it. */
export interface RuntimeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Shared through globalThis under REGISTRY_KEY; v1 is the shape every copy understands. */
export interface Registry {
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
  /**
   * Open windows of an asynchronous spawn whose children this realm never
   * sees (Deno.Command#output(), Bun's shell): the clock tick (since boot)
   * each opened at, so that adopted() leaves out the children that started
   * since. Made on first use.
   */
  windows?: Map<object, number>;
}

// Shared through globalThis so an ESM and a CJS copy of exitmon in one realm
// wrap each API once and agree on the owned pids.
export const REGISTRY_KEY = Symbol.for('exitmon.ownership.v1');

// The addon for this realm, loaded on first use (null: the JS registry alone).
export function nativeOf(registry: Registry): NativeBinding | null {
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

