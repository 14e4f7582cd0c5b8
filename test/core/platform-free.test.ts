import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const coreDir = join(import.meta.dirname, '../../src/core');

describe('src/core', () => {
  it('imports nothing from node: or Node built-ins (platform-free)', () => {
    const offenders: string[] = [];
    for (const file of readdirSync(coreDir)) {
      const text = readFileSync(join(coreDir, file), 'utf8');
      for (const m of text.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1] as string;
        if (!spec.startsWith('.') && spec !== 'rxjs' && !spec.startsWith('rxjs/') && spec !== 'eventemitter3') offenders.push(`${file}: ${spec}`);
      }
      if (/\brequire\(|process\./.test(text)) offenders.push(`${file}: uses require or process`);
    }
    expect(offenders).toEqual([]);
  });

  it('keeps nothing alive: a script with subscriptions and pending waits without timeout exits by itself', () => {
    const script = `
      import { ExitMonitor } from ${JSON.stringify(join(coreDir, 'monitor.ts'))};
      const m = new ExitMonitor();
      m.subscribe('all', () => {});
      const pull = m.subscribe({ pid: 5 });
      pull.next().catch(() => {});
      m.waitPid(12345).catch(() => {});
      m.publish({ pid: 6 });
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
  });

  it('a wait with a timeout is reported in a bare script: the timeout keeps the process until it fires', () => {
    const script = `
      import { ExitMonitor } from ${JSON.stringify(join(coreDir, 'monitor.ts'))};
      const m = new ExitMonitor();
      try {
        await m.waitPid(12345, { timeout: 50 });
        console.log('resolved');
      } catch (error) {
        console.log(error.name);
      }
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('WaitTimeoutError');
  });
});
