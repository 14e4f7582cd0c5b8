// `--metrics`: Prometheus text over HTTP, on loopback unless told otherwise.
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, startCli, stopAllClis } from './cli-process.js';

beforeAll(ensureBuilt, 120_000);
afterEach(stopAllClis);

// A value of an unlabelled sample in Prometheus text, or undefined.
function sample(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match === null ? undefined : Number(match[1]);
}

describe('exitmon run --metrics', () => {
  it('tells the port the kernel picked even with --quiet', async () => {
    const cli = startCli(['run', '-q', '--metrics', '0', '--', 'sleep', '30']);
    const [, url] = await cli.waitFor('stderr', /metrics at (http:\/\/\S+?\/metrics)/);
    expect((await fetch(url!)).status).toBe(200);
    process.kill(cli.pid, 'SIGTERM');
    expect((await cli.done).status).toBe(143);
  });

  it('serves exitmon_ metrics and the default process metrics on 127.0.0.1', async () => {
    // The command leaves an orphan that exits at once, then waits to be stopped.
    const cli = startCli(['run', '--metrics', '0', '--', 'sh', '-c', '(sh -c "exit 4" &); echo ready; exec sleep 30']);
    const [, url] = await cli.waitFor('stderr', /metrics at (http:\/\/\S+?\/metrics)/);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await cli.waitFor('stdout', /"role":"orphan"/);

    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE exitmon_exits_total counter$/m);
    expect(text).toMatch(/^exitmon_exits_total\{outcome="reaped"\} 1$/m);
    expect(text).toMatch(/^exitmon_exits_total\{outcome="unknown"\} 0$/m);
    expect(sample(text, 'exitmon_reaped_total')).toBe(1);
    expect(sample(text, 'exitmon_adopted_total')).toBe(1);
    expect(sample(text, 'exitmon_watched_pids')).toBe(1); // the command itself
    expect(sample(text, 'exitmon_subscriptions')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'exitmon_backlog_events')).toBe(0);
    expect(sample(text, 'exitmon_reaper_errors_total')).toBe(0);
    expect(sample(text, 'exitmon_delivery_latency_seconds_count')).toBe(1);
    expect(text).toMatch(/^exitmon_exit_to_reap_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    expect((await fetch(url!.replace('/metrics', '/other'))).status).toBe(404);

    // Loopback only: the same port on a non-loopback address refuses.
    const external = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && !i.internal && i.family === 'IPv4');
    if (external !== undefined) {
      await expect(fetch(url!.replace('127.0.0.1', external.address))).rejects.toThrow();
    }

    cli.child.kill('SIGTERM');
    expect((await cli.done).status).toBe(143);
  });

  it('a port in use or a host that does not resolve: exit 1 before the command starts, one line with the code, no stack', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as AddressInfo).port;
      // Offline, a resolver may answer "try again" instead of "no such name".
      for (const [where, code] of [[`127.0.0.1:${port}`, 'EADDRINUSE'], ['nosuchhost.invalid:0', '(?:ENOTFOUND|EAI_AGAIN)']] as const) {
        const { status, stdout, stderr } = await runCli(['run', '--metrics', where, '--', 'sh', '-c', 'echo started']);
        expect(status).toBe(1);
        expect(stdout).not.toContain('started');
        expect(stderr).toMatch(new RegExp(`"code":"${code}".*cannot serve metrics: .*${code}`));
        expect(stderr).not.toMatch(/"stack"/);
      }
    } finally {
      busy.close();
    }
  });

  it('binds the host given as HOST:PORT', async () => {
    const cli = startCli(['run', '--metrics', 'localhost:0', '--', 'sh', '-c', 'echo ready; exec sleep 30']);
    const [, url] = await cli.waitFor('stderr', /metrics at (http:\/\/\S+?\/metrics)/);
    expect(url).toMatch(/^http:\/\/localhost:\d+\/metrics$/);
    expect((await fetch(url!)).status).toBe(200);
  });
});
