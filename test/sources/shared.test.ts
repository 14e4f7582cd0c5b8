// Issue 10: one process, one source of exits. The ESM and the CJS build of
// exitmon loaded into one process (and two installed copies) used to create
// two Reaper.shared() instances, which split orphan exits between them, and
// `instanceof` failed for each other's errors. Runs the built dist/.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/load.js';
import { ExitMonitorError } from '../../src/core/errors.js';
import { Reaper } from '../../src/sources/reaper.js';

const ROOT = join(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');
const built = existsSync(join(DIST, 'index.js')) && existsSync(join(DIST, 'index.cjs'));
const native = process.platform === 'linux' && loadNative() !== null;

// Runs an ESM script with both builds loaded; returns its JSON output.
function runBoth(body: string): Record<string, unknown> {
  const script = `
    import { createRequire } from 'node:module';
    const esm = await import(${JSON.stringify(join(DIST, 'index.js'))});
    const cjs = createRequire(import.meta.url)(${JSON.stringify(join(DIST, 'index.cjs'))});
    ${body}
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe.skipIf(!built)('one exitmon per process (dist/index.js + dist/index.cjs)', () => {
  it('Reaper.shared() is the same object from the ESM and the CJS build', () => {
    const out = runBoth(`
      const a = esm.Reaper.shared();
      const b = cjs.Reaper.shared();
      console.log(JSON.stringify({ same: a === b, monitor: a.monitor === b.monitor, esmClass: esm.Reaper === cjs.Reaper }));
      a.close();
    `);
    expect(out).toEqual({ same: true, monitor: true, esmClass: false });
  });

  it('errors of one copy pass instanceof of the other, per class', () => {
    const out = runBoth(`
      const fromCjs = new cjs.NoSuchProcessError(5);
      const fromEsm = new esm.WaitTimeoutError(10, 'x');
      console.log(JSON.stringify({
        base: fromCjs instanceof esm.ExitMonitorError,
        same: fromCjs instanceof esm.NoSuchProcessError,
        other: fromCjs instanceof esm.WaitTimeoutError,
        back: fromEsm instanceof cjs.WaitTimeoutError && fromEsm instanceof cjs.ExitMonitorError,
        plain: new Error('x') instanceof esm.ExitMonitorError,
      }));
    `);
    expect(out).toEqual({ base: true, same: true, other: false, back: true, plain: false });
  });

  // The shared reaper was of use to the copy that made it only: in the other,
  // spawn() fell back to node:child_process (or refused engine: 'native'),
  // new Reaper(monitor) and ServiceManager refused its monitor, and
  // Reaper.shared({}) said its options differed (each copy's silent logger).
  it.skipIf(!native)("the other copy uses the shared reaper and its monitor as its own: native spawn, instanceof, options", () => {
    const out = runBoth(`
      const shared = esm.Reaper.shared();
      const p = cjs.spawn('sh', ['-c', 'exit 3'], { engine: 'native' });
      p.exited.then((exit) => {
        const own = new cjs.Reaper(shared.monitor, { backend: 'poll' });
        const manager = new cjs.ServiceManager({ services: { a: { command: ['true'] } } }, { monitor: shared.monitor });
        console.log(JSON.stringify({
          outcome: exit.outcome, status: exit.status, child: p.child === undefined,
          sameShared: cjs.Reaper.shared({}) === shared,
          reaper: shared instanceof cjs.Reaper, monitor: shared.monitor instanceof cjs.ExitMonitor,
          back: own instanceof esm.Reaper, plain: {} instanceof cjs.ExitMonitor,
          manager: typeof manager.status,
        }));
        own.close();
        shared.close();
      });
    `);
    expect(out).toEqual({ outcome: 'reaped', status: 3, child: true, sameShared: true, reaper: true, monitor: true, back: true, plain: false, manager: 'function' });
  });

  // A second installed copy loads its own addon, whose registry never learns
  // that the first copy's reaper reaped the child: its teardown then
  // signalled that child's (possibly reused) group. Such a copy spawns with
  // node:child_process instead; the shared reaper observes the child.
  it.skipIf(!native)('a second installed copy spawns with node:child_process when the shared reaper runs on the first copy\'s addon', () => {
    const copy = mkdtempSync(join(tmpdir(), 'exitmon-copy-'));
    try {
      for (const part of ['package.json', 'dist', 'build', 'prebuilds']) if (existsSync(join(ROOT, part))) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules')); // its dependencies
      const out = runBoth(`
        const other = await import(${JSON.stringify(join(copy, 'dist', 'index.js'))});
        const shared = esm.Reaper.shared();
        const p = other.spawn('sh', ['-c', 'exit 3']);
        const exit = await p.exited;
        console.log(JSON.stringify({ same: other.Reaper.shared() === shared, child: p.child !== undefined, outcome: exit.outcome, code: exit.code }));
        shared.close();
      `);
      expect(out).toEqual({ same: true, child: true, outcome: 'observed', code: 3 });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.skipIf(!native)('every orphan exit goes to the one shared reaper, none to a second', () => {
    const out = runBoth(`
      import('node:child_process').then(async ({ spawn }) => {
        const reaper = cjs.Reaper.shared();
        reaper.becomeSubreaper();
        const seen = [];
        esm.Reaper.shared().monitor.subscribe('all', (e) => { if (e.outcome === 'reaped') seen.push(e.pid); });
        const sh = spawn('sh', ['-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do (sleep 0.2; exit 4) & done'], { stdio: 'ignore' });
        await new Promise((r) => sh.once('exit', r));
        const deadline = Date.now() + 10000;
        while (seen.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        console.log(JSON.stringify({ reaped: seen.length, total: reaper.stats().adoptedTotal }));
        reaper.close();
      });
    `);
    expect(out).toEqual({ reaped: 10, total: 10 });
  });
});

describe('Reaper.shared(options)', () => {
  it('throws a clear error when options differ from the existing shared reaper, and returns it for the same or none', () => {
    const reaper = Reaper.shared({ pollIntervalMs: 50 });
    try {
      expect(Reaper.shared()).toBe(reaper);
      expect(Reaper.shared({ pollIntervalMs: 50 })).toBe(reaper);
      let error: unknown;
      try {
        Reaper.shared({ pollIntervalMs: 60 });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ExitMonitorError);
      expect(error).toMatchObject({ code: 'ERR_SHARED_REAPER_OPTIONS' });
      expect((error as Error).message).toContain('`pollIntervalMs` differs');
    } finally {
      reaper.close();
    }
  });
});
