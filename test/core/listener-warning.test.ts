// With no logger, the first listener failure in the process prints one
// process warning (issue 11). Run in child processes: the warning is a
// process-wide, once-only side effect.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, ensureBuilt } from '../cli/cli-process.js';

const entry = JSON.stringify(join(import.meta.dirname, '../../src/index.ts'));

// Runs an ESM script under tsx; returns the EXITMON_LISTENER_ERROR warnings it saw.
function warningsOf(body: string): { messages: string[] } {
  const script = `
    import { ExitMonitor } from ${entry};
    const seen = [];
    process.on('warning', (w) => { if (w.code === 'EXITMON_LISTENER_ERROR') seen.push(w.message); });
    ${body}
    await new Promise((r) => setTimeout(r, 50));
    console.log(JSON.stringify(seen));
  `;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--no-warnings', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, EXITMON_NO_NATIVE: '1' },
  });
  expect(result.status, result.stderr).toBe(0);
  const messages = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
  return { messages };
}

describe('listener failure warning', () => {
  it('fires once per process for many failures across monitors, naming the error', () => {
    const { messages } = warningsOf(`
      for (const n of [1, 2]) {
        const m = new ExitMonitor();
        m.subscribe('all', () => { throw new Error('listener bug ' + n); });
        m.subscribe('all', async () => { throw new Error('async bug'); });
        m.publish({ pid: 10 + n });
        m.publish({ pid: 20 + n });
      }
    `);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('listener bug 1');
  });

  it('a rejected async listener and a throwing observer count too', () => {
    const rejected = warningsOf(`
      const m = new ExitMonitor();
      m.subscribe('all', async () => { throw new TypeError('late'); });
      m.publish({ pid: 5 });
    `);
    expect(rejected.messages).toHaveLength(1);
    const observer = warningsOf(`
      const m = new ExitMonitor();
      m.subscribe('all').events.subscribe(() => { throw new Error('observer bug'); });
      m.publish({ pid: 5 });
    `);
    expect(observer.messages).toHaveLength(1);
  });

  it('is not printed when a logger was configured (the logger gets the failure), nor without failures', () => {
    const { messages } = warningsOf(`
      const errors = [];
      const logger = { error: (o) => errors.push(o), warn() {}, info() {}, debug() {} };
      const m = new ExitMonitor({ logger });
      m.subscribe('all', () => { throw new Error('logged'); });
      const quiet = new ExitMonitor();
      quiet.subscribe('all', () => 1);
      m.publish({ pid: 5 });
      quiet.publish({ pid: 6 });
      await new Promise((r) => setTimeout(r, 20));
      if (errors.length !== 1) throw new Error('logger not called');
    `);
    expect(messages).toEqual([]);
  });
});

describe('listener failure warning across module copies', () => {
  beforeAll(ensureBuilt, 120_000);

  it('an ESM and a CJS copy of exitmon in one process warn once between them', () => {
    const esm = JSON.stringify(join(ROOT, 'dist/index.js'));
    const cjs = JSON.stringify(join(ROOT, 'dist/index.cjs'));
    const script = `
      import { createRequire } from 'node:module';
      const seen = [];
      process.on('warning', (w) => { if (w.code === 'EXITMON_LISTENER_ERROR') seen.push(w.message); });
      const a = await import(${esm});
      const b = createRequire(import.meta.url)(${cjs});
      if (a.ExitMonitor === b.ExitMonitor) throw new Error('expected two copies');
      for (const { ExitMonitor } of [a, b]) {
        const m = new ExitMonitor();
        m.subscribe('all', () => { throw new Error('bug'); });
        m.publish({ pid: 5 });
      }
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify(seen.length));
    `;
    const result = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, EXITMON_NO_NATIVE: '1' },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('1');
  });
});
