// A runtime that refuses exitmon /proc (Deno without -A; Node's permission
// model here, where it can be asked for) must not be read as "no such
// process": live processes were reported gone and stops left them running.
// Deno's side is in test/runtimes/conformance.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isRuntimeRefusal } from '../../src/core/errors.js';
import { ensureBuilt } from '../cli/cli-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Node ≥ 23.5 calls it --permission; Node 20 and 22 --experimental-permission.
const PERMISSION_FLAG = ['--permission', '--experimental-permission'].find((flag) => spawnSync(process.execPath, [flag, '-e', '0']).status === 0);

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('a runtime that refuses /proc', () => {
  it('isRuntimeRefusal knows the refusals of Deno and Node, and no errno', () => {
    expect(isRuntimeRefusal(Object.assign(new Error('Requires all access'), { name: 'NotCapable' }))).toBe(true);
    expect(isRuntimeRefusal(Object.assign(new Error('denied'), { name: 'PermissionDenied' }))).toBe(true);
    expect(isRuntimeRefusal(Object.assign(new Error('denied'), { code: 'ERR_ACCESS_DENIED' }))).toBe(true);
    expect(isRuntimeRefusal(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe(false);
    expect(isRuntimeRefusal(undefined)).toBe(false);
  });

  it.runIf(PERMISSION_FLAG !== undefined)('under Node\'s permission model, isRunning and a stop of a live process throw NativeUnavailableError instead of answering "gone"', async () => {
    await ensureBuilt();
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(sleeper);
    const script = `
      const { isRunning, stopProcessTree } = require(${JSON.stringify(join(ROOT, 'dist', 'index.cjs'))});
      (async () => {
        for (const ask of [() => isRunning(${sleeper.pid}), () => stopProcessTree(${sleeper.pid}, { graceMs: 100 })]) {
          try { console.log('answered', JSON.stringify(await ask())); } catch (error) { console.log('refused', error.code, error.cause?.code); }
        }
      })();`;
    const result = spawnSync(process.execPath, [PERMISSION_FLAG!, `--allow-fs-read=${ROOT}/*`, '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stdout.trim().split('\n'), result.stderr).toEqual(['refused ERR_NATIVE_UNAVAILABLE ERR_ACCESS_DENIED', 'refused ERR_NATIVE_UNAVAILABLE ERR_ACCESS_DENIED']);
    expect(sleeper.exitCode).toBeNull();
    expect(sleeper.signalCode).toBeNull();
  }, 30_000);
});
