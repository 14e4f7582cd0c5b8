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
        if (!spec.startsWith('.') && spec !== 'rxjs' && spec !== 'eventemitter3') offenders.push(`${file}: ${spec}`);
      }
      if (/\brequire\(|process\./.test(text)) offenders.push(`${file}: uses require or process`);
    }
    expect(offenders).toEqual([]);
  });

  it('keeps nothing alive: a script with subscriptions and a pending timed wait exits by itself', () => {
    const script = `
      import { ExitMonitor } from ${JSON.stringify(join(coreDir, 'monitor.ts'))};
      const m = new ExitMonitor();
      m.subscribe('all', () => {});
      const pull = m.subscribe({ pid: 5 });
      pull.next().catch(() => {});
      m.waitPid(12345, { timeout: 60_000 }).catch(() => {});
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
});
