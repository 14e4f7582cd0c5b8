// The restart decision on its own, with explicit clock values: here time is
// the subject (backoff doubling, window expiry), so no real waiting.
import { describe, expect, it } from 'vitest';
import { resolveServicesConfig, type ServiceConfig } from '../../src/services/config.js';
import { RestartPolicy } from '../../src/services/restart-policy.js';

function policy(service: Partial<ServiceConfig>): RestartPolicy {
  const [resolved] = resolveServicesConfig({ services: { s: { command: 'x', ...service } } });
  return new RestartPolicy(resolved!);
}

describe('RestartPolicy', () => {
  it('doubles the delay per restart within the window, capped at maxRestartDelay', () => {
    const p = policy({ restart: 'always', restartDelay: 100, maxRestartDelay: 500, maxRestarts: 10, restartWindow: '1m' });
    const delays = [0, 1, 2, 3, 4, 5].map((i) => p.decide(1, i * 10));
    expect(delays.map((d) => (d.restart ? d.delayMs : -1))).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it('starts again from restartDelay once earlier restarts left the window', () => {
    const p = policy({ restart: 'on-failure', restartDelay: 100, restartWindow: 1000 });
    expect(p.decide(1, 0)).toEqual({ restart: true, delayMs: 100 });
    expect(p.decide(1, 500)).toEqual({ restart: true, delayMs: 200 });
    expect(p.decide(1, 1400)).toEqual({ restart: true, delayMs: 200 }); // the one at 0 left the window
    expect(p.decide(1, 5000)).toEqual({ restart: true, delayMs: 100 });
  });

  it('declares a crash loop after maxRestarts restarts within the window', () => {
    const p = policy({ restart: 'always', restartDelay: 10, maxRestarts: 2, restartWindow: 1000 });
    expect(p.decide(1, 0).restart).toBe(true);
    expect(p.decide(1, 100).restart).toBe(true);
    expect(p.decide(1, 200)).toEqual({ restart: false, failed: true, reason: 'crash loop: 2 restart(s) within 1000ms' });
  });

  it('restart: always fails a service that exits 0 too often, without calling it a crash', () => {
    const p = policy({ restart: 'always', restartDelay: 10, maxRestarts: 1, restartWindow: 1000 });
    expect(p.decide(0, 0).restart).toBe(true);
    expect(p.decide(0, 100)).toEqual({ restart: false, failed: true, reason: 'restarted too often: 1 restart(s) within 1000ms' });
  });

  it('on-failure ends a clean exit, always restarts it, no never restarts', () => {
    expect(policy({ restart: 'on-failure' }).decide(0)).toEqual({ restart: false, failed: false, reason: 'exited' });
    expect(policy({ restart: 'always' }).decide(0).restart).toBe(true);
    expect(policy({ restart: 'no' }).decide(3)).toEqual({ restart: false, failed: true, reason: 'exited with status 3' });
    expect(policy({ restart: 'on-failure', oneshot: true, maxRestarts: 0 }).decide(3)).toMatchObject({ restart: false, failed: true });
  });

  it('restartWindow 0 turns the crash-loop limit off and keeps the first delay (systemd StartLimitIntervalSec=0)', () => {
    const p = policy({ restart: 'always', restartDelay: 10, maxRestarts: 2, restartWindow: 0 });
    const decisions = [0, 0, 1, 2, 3].map((t) => p.decide(1, t));
    expect(decisions).toEqual(decisions.map(() => ({ restart: true, delayMs: 10 })));
  });

  it('reset() forgets the history', () => {
    const p = policy({ restart: 'always', restartDelay: 10, maxRestarts: 1, restartWindow: 1000 });
    expect(p.decide(1, 0).restart).toBe(true);
    expect(p.decide(1, 1).restart).toBe(false);
    p.reset();
    expect(p.decide(1, 2)).toEqual({ restart: true, delayMs: 10 });
  });
});
