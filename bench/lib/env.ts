// Captures the machine a benchmark ran on, so a figure is never read without it.
import os from 'node:os';
import type { Environment } from './types.js';

// The Node, V8, kernel and CPU facts stored with every result.
export function captureEnvironment(): Environment {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    kernel: os.release(),
    arch: process.arch,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
  };
}

// One line for the docs, e.g. "Node v20.20.2, Linux 6.18.0, 2 × Intel Xeon …".
export function describeEnvironment(env: Environment): string {
  return `Node ${env.node} (V8 ${env.v8}), ${env.platform} ${env.kernel} ${env.arch}, ${env.cpus} × ${env.cpu}, ${env.totalMemoryMiB} MiB`;
}
