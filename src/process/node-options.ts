// node:child_process's own options that spawn() checks itself, before an
// engine is chosen: left to the engine, the same bad value was refused by one
// and taken by the other (uid: -1 is "unchanged" to setuid(2), so the native
// engine ran the command as ourselves where node refused it with EINVAL), and
// each runtime's child_process refuses a bad `stdio` in its own way (Bun and
// Deno with a plain Error, or not before the spawn).
import type { SpawnOptions as NodeSpawnOptions } from 'node:child_process';
import { assertNonNegativeInt32, rangeError, typeError } from '../core/validate.js';
const STDIO_MODES = ['pipe', 'overlapped', 'ignore', 'inherit'];
const STDIO_ENTRY = "'pipe', 'ignore', 'inherit', 'ipc', null, a file descriptor or a stream with one";

/**
 * Throws a TypeError or RangeError naming the option when node's `uid`,
 * `gid` or `stdio` cannot be what the caller meant, whichever engine runs.
 */
export function assertNodeOptions(node: NodeSpawnOptions): void {
  for (const key of ['uid', 'gid'] as const) {
    const id = node[key] as unknown;
    if (id === undefined) continue;
    // node:child_process takes an int32.
    assertNonNegativeInt32(id, `options.${key}`);
  }
  const stdio = node.stdio as unknown;
  if (stdio === undefined || (typeof stdio === 'string' && STDIO_MODES.includes(stdio))) return;
  if (!Array.isArray(stdio)) throw typeError('options.stdio', `one of ${STDIO_MODES.map((m) => `'${m}'`).join(', ')} or an array`, stdio);
  stdio.forEach((entry: unknown, i) => {
    if (entry === undefined || entry === null || entry === 'ipc' || (typeof entry === 'string' && STDIO_MODES.includes(entry))) return;
    if (typeof entry === 'number') {
      if (!Number.isInteger(entry) || entry < 0) throw rangeError(`options.stdio[${i}]`, 'a file descriptor (an integer ≥ 0)', entry);
      return;
    }
    // A stream: node takes one with an fd or a handle under it (a socket, a
    // TTY, an fs stream once open); which of them an engine can pass on is
    // the engine's choice (spawn-engine.ts).
    if (typeof entry === 'object' && ('fd' in entry || '_handle' in entry || 'handle' in entry)) return;
    throw typeError(`options.stdio[${i}]`, STDIO_ENTRY, entry);
  });
}
