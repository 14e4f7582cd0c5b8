// Compiles the scenario's two C helpers (burst.c, zsample.c) into
// bench/.build/ when missing or older than their source. Plain cc, no flags
// beyond warnings and -O2: each is one self-contained file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from '../lib/paths.js';

const SOURCE_DIR = path.join(BENCH_DIR, 'backpressure');
const BUILD_DIR = path.join(BENCH_DIR, '.build');
const CC = process.env.CC ?? 'cc';

/** Paths of the compiled helpers. */
export interface Helpers {
  /** burst SLOT_FILE FIRST_SLOT COUNT SPREAD_MS */
  burst: string;
  /** zsample PPID INTERVAL_MS */
  zsample: string;
}

// Modification time in ms, or -1 when the file is missing.
function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

// Compiles one helper unless its binary is newer than its source. Writes to a
// temporary name and renames, so a concurrent run never executes half a file.
function compile(name: string): string {
  const source = path.join(SOURCE_DIR, `${name}.c`);
  const binary = path.join(BUILD_DIR, `backpressure-${name}`);
  if (mtime(binary) >= mtime(source)) return binary;
  mkdirSync(BUILD_DIR, { recursive: true });
  const temporary = `${binary}.${process.pid}.tmp`;
  execFileSync(CC, ['-O2', '-Wall', '-Wextra', '-o', temporary, source], { stdio: 'inherit' });
  renameSync(temporary, binary);
  return binary;
}

// Builds (if needed) and returns both helpers.
export function buildHelpers(): Helpers {
  return { burst: compile('burst'), zsample: compile('zsample') };
}
