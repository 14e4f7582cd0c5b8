// Builds the tiny C programs of bench/native/ with the system `cc` into
// bench/.build/ (gitignored), once per source change, so a scenario can race
// exitmon against a plain C loop or use a C probe that timestamps its exit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './paths.js';

/** Where the C sources live. */
export const NATIVE_SOURCE_DIR = path.join(BENCH_DIR, 'native');
/** Where their binaries go. */
export const NATIVE_BUILD_DIR = path.join(BENCH_DIR, '.build');

const CC_FLAGS = ['-O2', '-Wall', '-Wextra', '-std=gnu11'];

// Newest modification time of the headers next to the sources (a header change rebuilds all).
function headersMtime(): number {
  return Math.max(0, ...readdirSync(NATIVE_SOURCE_DIR).filter((f) => f.endsWith('.h')).map((f) => statSync(path.join(NATIVE_SOURCE_DIR, f)).mtimeMs));
}

// Modification time of a file, or -1 when it does not exist.
function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * Returns the path of bench/.build/<name>, compiling bench/native/<name>.c
 * when the binary is missing or older than its source or a header.
 * Throws when `cc` is missing or the compile fails.
 */
export function nativeProgram(name: string): string {
  const source = path.join(NATIVE_SOURCE_DIR, `${name}.c`);
  const binary = path.join(NATIVE_BUILD_DIR, name);
  if (mtimeOf(binary) >= Math.max(mtimeOf(source), headersMtime())) return binary;
  mkdirSync(NATIVE_BUILD_DIR, { recursive: true });
  const temporary = `${binary}.${process.pid}.tmp`;
  execFileSync('cc', [...CC_FLAGS, '-o', temporary, source], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(temporary, binary); // atomic: a concurrent run never executes half a binary
  return binary;
}
