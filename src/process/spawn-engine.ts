// Which engine starts a process: the native one (clone3 with a pidfd from
// birth, reaped by our reaper) wherever it can honour every option, else
// node:child_process exactly as in 0.1.
import type { SpawnOptions as NodeSpawnOptions } from 'node:child_process';
import { NativeUnavailableError } from '../core/errors.js';
import type { ExitMonitor } from '../core/monitor.js';
import { loadNative, probeNativeBinding, type NativeBinding } from '../native/load.js';
import { reaperAddon, reaperFor } from '../sources/reaper.js';
import type { ResolvedSpawnOptions, SpawnEngine } from './spawn-options.js';

/** A binding that has the native spawn (older builds of the addon do not). */
export type SpawnBinding = NativeBinding & Required<Pick<NativeBinding, 'spawn'>>;

/** The engine chosen, with the reason the native one was not. */
export type EngineChoice = { readonly engine: 'native'; readonly binding: SpawnBinding } | { readonly engine: 'child_process'; readonly reason: string };

// node options the native engine does not implement; any of them set selects
// node:child_process. (windowsHide and windowsVerbatimArguments do nothing off
// Windows, in node either, so they select nothing: execa sets windowsHide.)
const NODE_ONLY = ['shell', 'serialization'] as const;

// One stdio entry the native engine can take: a mode, an fd, or a stream with
// an fd. A pipe only as stdin, stdout or stderr: a ManagedProcess has no
// `stdio` array to hand out a fourth (node's ChildProcess has).
function nativeStdioEntry(entry: unknown, index: number): boolean {
  if (entry === 'pipe' || entry === 'overlapped') return index <= 2;
  if (entry === undefined || entry === null || entry === 'inherit' || entry === 'ignore') return true;
  if (typeof entry === 'number') return Number.isInteger(entry) && entry >= 0;
  if (entry === process.stdin || entry === process.stdout || entry === process.stderr) return index <= 2 || streamFd(entry) !== undefined;
  return streamFd(entry) !== undefined;
}

/** The fd under a node stream (fs streams, net sockets, TTYs), if it has one now. */
export function streamFd(stream: unknown): number | undefined {
  const s = stream as { fd?: unknown; _handle?: { fd?: unknown } } | null;
  if (typeof s !== 'object' || s === null) return undefined;
  const fd = typeof s.fd === 'number' ? s.fd : s._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

// Why the native engine cannot honour these node options, or undefined when it can.
function nativeObstacle(node: NodeSpawnOptions): string | undefined {
  for (const key of NODE_ONLY) if (node[key] !== undefined && node[key] !== false) return `option \`${key}\``;
  const stdio = node.stdio;
  if (typeof stdio === 'string') return stdio === 'pipe' || stdio === 'inherit' || stdio === 'ignore' || stdio === 'overlapped' ? undefined : `stdio '${stdio}'`;
  if (Array.isArray(stdio)) {
    const bad = stdio.findIndex((entry, i) => !nativeStdioEntry(entry, i));
    if (bad >= 0) return `stdio[${bad}] (${String(stdio[bad])})`;
    if (stdio.length > 64) return 'more than 64 stdio entries';
  } else if (stdio !== undefined) return 'stdio';
  return undefined; // uid and gid: node-options.ts admitted only what both engines take
}

/**
 * Chooses the engine. An explicit `engine: 'native'` that cannot be honoured,
 * and `cgroup: true` (which needs the native engine), throw
 * NativeUnavailableError naming why.
 */
export function chooseEngine(options: ResolvedSpawnOptions, monitor: ExitMonitor): EngineChoice {
  // The caller's own options rule the native engine out: no fallback can
  // then honour its native-only options, which is a contradiction, not a
  // platform limit (a platform limit drops them, as documented).
  const nativeOnly = nativeOnlyOptions(options);
  const conflict = nativeOnly.length === 0 ? undefined : options.engine === 'child_process' ? "engine: 'child_process'" : nativeObstacle(options.node);
  if (conflict !== undefined) {
    throw new TypeError(`Expected options one engine can honour: ${nativeOnly.map((o) => `\`${o}\``).join(', ')} ${nativeOnly.length === 1 ? 'needs' : 'need'} the native engine, which ${conflict} rules out`);
  }
  const reason = nativeReason(options, monitor);
  if (reason !== undefined) {
    if (needsNativeEngine(options)) {
      throw new NativeUnavailableError(options.cgroup === true ? 'cgroup containment (native spawn)' : 'The native spawn engine', { cause: reason });
    }
    return { engine: 'child_process', reason };
  }
  return { engine: 'native', binding: loadNative() as SpawnBinding };
}

// The options set that only the native engine implements.
function nativeOnlyOptions(options: ResolvedSpawnOptions): string[] {
  const set: string[] = [];
  if (options.foreground) set.push('foreground');
  if (options.ignoredSignals.length > 0) set.push('ignoredSignals');
  if (options.closeOtherFds) set.push('closeOtherFds');
  if (options.openFileLimit !== undefined) set.push('openFileLimit');
  return set;
}

/** Whether the options can only be honoured by the native engine (`engine: 'native'`, `cgroup: true`). */
export function needsNativeEngine(options: ResolvedSpawnOptions): boolean {
  return options.engine === 'native' || options.cgroup === true;
}

// Set once the kernel (or an emulator such as qemu-user, or a seccomp
// profile) refused the clone itself: every later spawn uses node:child_process.
let cloneRefused: string | undefined;

/** Records that clone3/clone with CLONE_VM | CLONE_VFORK | CLONE_PIDFD is refused here. */
export function refuseNativeSpawn(reason: string): void {
  cloneRefused ??= reason;
}

// Why the native engine is out, or undefined when it is in.
function nativeReason(options: ResolvedSpawnOptions, monitor: ExitMonitor): string | undefined {
  if ((options.engine satisfies SpawnEngine | undefined) === 'child_process') return "engine: 'child_process' was asked for";
  if (cloneRefused !== undefined) return cloneRefused;
  const probe = probeNativeBinding();
  if (probe.binding === null) return probe.reason;
  if (typeof probe.binding.spawn !== 'function') return 'the loaded addon predates native spawn (rebuild it)';
  // Our children must be reaped by a reaper that publishes into this monitor.
  const reaper = reaperFor(monitor);
  if (reaper === undefined) return 'the monitor has no reaper to reap the child';
  if (reaper.backend !== 'pidfd') return 'the reaper polls (no pidfd backend)';
  // Another installed copy's reaper: our addon's registry would not learn of its reap.
  if (reaperAddon(reaper) !== probe.binding) return "the monitor's reaper runs on another installed copy's addon";
  return nativeObstacle(options.node);
}
