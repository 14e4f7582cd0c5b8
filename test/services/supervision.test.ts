// Restarts, crash loops, oneshots and readiness, with real processes and
// short real delays (time is not the subject: the order of events is).
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, Reaper, ServiceManager, type ServiceEvent } from '../../src/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { readyWithin } from '../../src/services/readiness.js';
import { probeCgroupBase } from '../../src/process/cgroup-base.js';
import { cleanup, eventsOf, fixture, loggerService, managerFor, tempDir } from './helpers.js';

afterEach(cleanup);

// A port nobody listens on right now.
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Every pid the probes wrote to DIR/probes stops running (within 5 s).
async function expectProbesGone(dir: string): Promise<void> {
  const probes = readFileSync(join(dir, 'probes'), 'utf8').trim().split('\n').map(Number);
  expect(probes.length).toBeGreaterThan(0);
  const deadline = Date.now() + 5000;
  while (probes.some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(probes.filter(isRunning)).toEqual([]);
}

const SIGTERM_BIT = 1n << 14n;
// One signal mask of /proc/<pid>/status (proc(5): bit n-1 for signal n).
function statusMask(pid: number, field: 'SigBlk' | 'SigPnd' | 'ShdPnd'): bigint {
  const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return BigInt(`0x${hex ?? '0'}`);
}

describe('ServiceManager supervision', () => {
  it('restarts on failure with a doubling backoff, then fails after maxRestarts in the window', async () => {
    const { manager, events } = managerFor({
      services: { crashy: { command: 'exit 3', restart: 'on-failure', restartDelay: '50ms', maxRestarts: 3, restartWindow: '1m' } },
    });
    await manager.start();
    await manager.whenIdle();
    expect(eventsOf(events, 'crashy')).toEqual([
      // Without a ready check a service is ready as soon as it started.
      ...['starting', 'ready', 'exited', 'restarting'],
      ...['starting', 'ready', 'exited', 'restarting'],
      ...['starting', 'ready', 'exited', 'restarting'],
      ...['starting', 'ready', 'exited', 'failed'],
    ]);
    const restarting = events.filter((e) => e.event === 'restarting');
    expect(restarting.map((e) => e.delayMs)).toEqual([50, 100, 200]);
    expect(restarting.map((e) => e.restarts)).toEqual([1, 2, 3]);
    // Each restart waited at least its backoff after the exit.
    for (let i = 0; i < events.length; i++) {
      if (events[i]!.event !== 'restarting') continue;
      const exited = events[i - 1]!;
      expect(exited.event).toBe('exited');
      const next = events[i + 1]!;
      expect(next.event).toBe('starting');
      expect(next.at - exited.at).toBeGreaterThanOrEqual(events[i]!.delayMs! - 5);
    }
    expect(events.at(-1)).toMatchObject({ event: 'failed', reason: expect.stringMatching(/crash loop/) });
    // The contract's fields first, in its order (one JSON line each from `exitmon up`), then the event's own.
    const keys = (name: string): string[] => Object.keys(events.find((e) => e.event === name)!);
    expect(keys('exited')).toEqual(['service', 'event', 'pid', 'status', 'restarts', 'at']);
    expect(keys('restarting')).toEqual(['service', 'event', 'restarts', 'at', 'delayMs']);
    expect(keys('failed')).toEqual(['service', 'event', 'restarts', 'at', 'reason']);
    expect(manager.status().crashy).toMatchObject({ state: 'failed', restarts: 3, pid: undefined, lastExit: expect.objectContaining({ code: 3 }) });
  });

  it('does not restart a service that exits 0 under on-failure', async () => {
    const { manager, events } = managerFor({ services: { ok: { command: 'exit 0', restart: 'on-failure', restartDelay: 10 } } });
    await manager.start();
    await manager.whenIdle();
    expect(eventsOf(events, 'ok')).toEqual(['starting', 'ready', 'exited']);
    expect(manager.status().ok!.state).toBe('exited');
  });

  it('a oneshot that fails keeps its dependents from starting; the others run', async () => {
    const dir = tempDir();
    const { manager, events } = managerFor({
      services: {
        migrate: { command: 'exit 4', oneshot: true },
        web: { ...loggerService('web', dir), after: ['migrate'] },
        edge: { ...loggerService('edge', dir), after: ['web'] },
        other: loggerService('other', dir),
      },
    });
    await manager.start();
    expect(manager.status()).toMatchObject({
      migrate: { state: 'failed' },
      web: { state: 'pending', pid: undefined },
      edge: { state: 'pending', pid: undefined },
      other: { state: 'ready' },
    });
    expect(eventsOf(events, 'migrate')).toEqual(['starting', 'exited', 'failed']);
    expect(eventsOf(events, 'web')).toEqual([]);
    await manager.stop();
    expect(eventsOf(events, 'web')).toEqual([]);
  });

  it('a oneshot that exits 0 lets its dependents start', async () => {
    const dir = tempDir();
    const { manager, events } = managerFor({
      services: { migrate: { command: 'sleep 0.1', oneshot: true }, web: { ...loggerService('web', dir), after: ['migrate'] } },
    });
    await manager.start();
    expect(manager.status()).toMatchObject({ migrate: { state: 'exited' }, web: { state: 'ready' } });
    const exited = events.find((e) => e.service === 'migrate' && e.event === 'exited')!;
    expect(events.find((e) => e.service === 'web' && e.event === 'starting')!.at).toBeGreaterThanOrEqual(exited.at);
  });

  it('waits for a TCP port before starting the dependents', async () => {
    const dir = tempDir();
    const port = await freePort();
    const serverLog = join(dir, 'server.log');
    const { manager, events } = managerFor({
      services: {
        server: { command: [process.execPath, fixture('services-tcp-server.mjs'), String(port), '300', serverLog], ready: { tcp: `127.0.0.1:${port}` } },
        client: { ...loggerService('client', dir), after: ['server'] },
      },
    });
    await manager.start();
    const listeningAt = Number(/listening (\d+)/.exec(readFileSync(serverLog, 'utf8'))![1]);
    const ready = events.find((e) => e.service === 'server' && e.event === 'ready')!;
    expect(ready.at).toBeGreaterThanOrEqual(listeningAt);
    expect(events.find((e) => e.service === 'client' && e.event === 'starting')!.at).toBeGreaterThanOrEqual(ready.at);
    expect(manager.status().client!.state).toBe('ready');
  });

  it('ready: { delay } makes a service ready that long after it started', async () => {
    const { manager, events } = managerFor({ services: { slow: { command: 'exec sleep 30', ready: { delay: '300ms' } }, dep: { command: 'exec sleep 30', after: ['slow'] } } });
    await manager.start();
    const at = (service: string, event: string) => events.find((e) => e.service === service && e.event === event)!.at;
    expect(at('slow', 'ready') - at('slow', 'starting')).toBeGreaterThanOrEqual(290);
    expect(at('dep', 'starting')).toBeGreaterThanOrEqual(at('slow', 'ready'));
  });

  it('fails a service that is not ready within readyTimeout, and stops its process', async () => {
    const port = await freePort();
    const { manager, events } = managerFor({
      services: { deaf: { command: 'exec sleep 30', ready: { tcp: port }, readyTimeout: '300ms', stopGrace: '1s' }, dep: { command: 'sleep 30', after: ['deaf'] } },
    });
    await manager.start();
    expect(manager.status().deaf!.state).toBe('failed');
    expect(events.find((e) => e.event === 'failed')).toMatchObject({ service: 'deaf', reason: expect.stringMatching(/not ready within 300ms/) });
    await manager.whenIdle();
    expect(manager.status().deaf).toMatchObject({ state: 'failed', pid: undefined, lastExit: expect.objectContaining({ signal: 'SIGTERM' }) });
    expect(eventsOf(events, 'dep')).toEqual([]);
  });

  // A probe that spawn refused outright (a NUL byte in its argv, which the
  // config check now catches first) was taken for a cancellation: the service
  // stayed 'starting' for good and its dependents waited forever.
  it('a ready check that cannot run at all fails at once instead of passing for a cancellation', async () => {
    const probe = { monitor: Reaper.shared().monitor, env: process.env, cwd: undefined, logger: silentLogger, service: 'x' };
    const cancel = new AbortController();
    const started = performance.now();
    await expect(readyWithin({ kind: 'command', argv: ['echo', 'a\0b'] }, Date.now(), probe, 20_000, cancel.signal)).rejects.toThrow(/null bytes/);
    expect(performance.now() - started).toBeLessThan(10_000); // not the 20 s readyTimeout
    cancel.abort();
    await expect(readyWithin({ kind: 'delay', ms: 60_000 }, Date.now(), probe, 20_000, cancel.signal)).resolves.toBe('cancelled');
  });

  // The restart was armed first and never waited for the stop of what the
  // previous instance left behind: both instances' leftovers ran at once.
  it('a restart never runs next to the remains of the previous instance: it waits for their stop', async () => {
    const dir = tempDir();
    const { manager } = managerFor({
      services: {
        // Each instance leaves a sleep that ignores SIGTERM (inherited SIG_IGN): only SIGKILL, after the grace, ends it.
        leaver: { command: `trap '' TERM; sleep 30 & echo $! >> ${dir}/leftovers; sleep 0.1; exit 1`, restart: 'on-failure', restartDelay: '20ms', maxRestarts: 1, stopGrace: '500ms' },
      },
    });
    const aliveAtRestart: boolean[] = [];
    let starts = 0;
    manager.events.subscribe((e) => {
      if (e.event !== 'starting' || ++starts !== 2) return;
      const [first] = readFileSync(join(dir, 'leftovers'), 'utf8').trim().split('\n').map(Number);
      aliveAtRestart.push(isRunning(first!));
    });
    await manager.start();
    await manager.whenIdle();
    expect(starts).toBe(2);
    expect(aliveAtRestart).toEqual([false]);
  });

  it('a service that failed its readiness check stays failed when the manager stops during the stop that followed', async () => {
    const port = await freePort();
    const { manager, events } = managerFor({
      services: {
        // Ignores SIGTERM: the stop after the readiness failure waits out its grace.
        deaf: { command: "trap '' TERM; sleep 30", ready: { tcp: port }, readyTimeout: '200ms', stopGrace: '2s' },
        other: { command: 'sleep 30' },
      },
    });
    await manager.start();
    expect(manager.status().deaf!.state).toBe('failed');
    await manager.stop();
    expect(manager.status().deaf!.state).toBe('failed');
    expect(eventsOf(events, 'deaf')).toEqual(['starting', 'failed', 'exited']);
    expect(manager.status().other!.state).toBe('stopped');
  });

  it('a readiness probe command leaves nothing behind: what it started in its group is stopped after each run', async () => {
    const dir = tempDir();
    const { manager } = managerFor({
      services: {
        web: {
          command: `sleep 0.3; touch ${dir}/flag; exec sleep 30`,
          ready: { command: ['sh', '-c', `sleep 30 & echo $! >> ${dir}/probes; test -e ${dir}/flag`] },
        },
      },
    });
    await manager.start();
    expect(manager.status().web!.state).toBe('ready');
    await expectProbesGone(dir);
  });

  it.skipIf(probeCgroupBase().base === null)('a readiness probe runs in a cgroup of its own: even what it started with setsid is gone after the run', async () => {
    const dir = tempDir();
    const { manager } = managerFor({
      services: { web: { command: 'exec sleep 30', ready: { command: ['sh', '-c', `setsid sleep 30 & echo $! >> ${dir}/probes; exit 1`] }, readyTimeout: '400ms' } },
    });
    await manager.start();
    expect(manager.status().web!.state).toBe('failed');
    await expectProbesGone(dir);
  });

  it('stops what a service left in its process group when its main process exits', async () => {
    const dir = tempDir();
    const { manager } = managerFor({ services: { leaver: { command: `sleep 30 & echo $! > ${dir}/leftover; exit 0` } } });
    await manager.start();
    await manager.whenIdle();
    const leftover = Number(readFileSync(join(dir, 'leftover'), 'utf8'));
    expect(leftover).toBeGreaterThan(1);
    const deadline = Date.now() + 5000;
    while (isRunning(leftover) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(isRunning(leftover)).toBe(false);
  });

  it("a stop during the stop of what a service left joins it, and forceStop() kills the leftovers without waiting out the grace", async () => {
    const dir = tempDir();
    // The leftover ignores SIGTERM (inherited SIG_IGN), so only SIGKILL ends it; the grace is long.
    const { manager } = managerFor({ grace: '20s', services: { leaver: { command: `trap '' TERM; sleep 30 & echo $! > ${dir}/leftover; exit 0` } } });
    await manager.start();
    await manager.whenIdle();
    const leftover = Number(readFileSync(join(dir, 'leftover'), 'utf8'));
    expect(isRunning(leftover)).toBe(true); // SIGTERM'd by the leftover stop, ignored, in its grace
    const started = Date.now();
    const stopping = manager.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(leftover)).toBe(true); // the service's stop joined the leftover stop: same grace
    const result = await manager.forceStop();
    await stopping;
    expect(result.survivors).toEqual([]);
    expect(isRunning(leftover)).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('restart(name) replaces the process and counts the restart', async () => {
    const dir = tempDir();
    const { manager, events } = managerFor({ services: { a: loggerService('a', dir) } });
    await manager.start();
    const before = manager.status().a!.pid;
    await manager.restart('a');
    const after = manager.status().a!;
    expect(after).toMatchObject({ state: 'ready', restarts: 1 });
    expect(after.pid).not.toBe(before);
    expect(eventsOf(events, 'a')).toEqual(['starting', 'ready', 'restarting', 'stopping', 'stopped', 'starting', 'ready']);
    expect(events.find((e) => e.event === 'restarting')).toMatchObject({ restarts: 1, delayMs: 0 });
    await expect(manager.restart('nope')).rejects.toThrow(RangeError);
  });

  it('every events observer sees the events in the order they happened, also when an earlier observer raises one', async () => {
    const { manager, events } = managerFor({ services: { a: { command: 'exec sleep 30' } } });
    // Subscribed after managerFor's: a restart from here raises 'restarting' while 'ready' is still being handed out.
    let restarted: Promise<void> | undefined;
    manager.events.subscribe((e) => {
      if (e.event === 'ready' && restarted === undefined) restarted = manager.restart('a');
    });
    const late: string[] = [];
    manager.events.subscribe((e) => late.push(e.event));
    await manager.start();
    await restarted;
    expect(late).toEqual(eventsOf(events, 'a'));
    expect(late.slice(0, 3)).toEqual(['starting', 'ready', 'restarting']);
  });

  it('restart(name) twice at once, or from an event listener, is one restart: never two processes of one service', async () => {
    const { manager, events } = managerFor({ services: { a: { command: 'exec sleep 30' } } });
    await manager.start();
    await Promise.all([manager.restart('a'), manager.restart('a')]);
    expect(manager.status().a).toMatchObject({ state: 'ready', restarts: 1 });
    expect(events.filter((e) => e.event === 'starting')).toHaveLength(2);
    expect(events.filter((e) => e.event === 'stopping')).toHaveLength(1);
    // From a listener of the backoff's own 'restarting' event: the backoff timer must not start a second one.
    const crashing = managerFor({ services: { c: { command: 'sleep 0.2; exit 1', restart: 'on-failure', restartDelay: '100ms' } } });
    let restarted: Promise<void> | undefined;
    crashing.manager.events.subscribe((e) => {
      if (e.event === 'restarting' && restarted === undefined) restarted = crashing.manager.restart('c');
    });
    await crashing.manager.start();
    await new Promise((r) => setTimeout(r, 400));
    await restarted;
    const pids = crashing.events.filter((e) => e.event === 'starting').map((e) => e.pid!);
    expect(pids.filter((pid) => isRunning(pid)).length).toBeLessThanOrEqual(1);
    const result = await crashing.manager.stop();
    expect(result.survivors).toEqual([]);
    expect(pids.filter((pid) => isRunning(pid))).toEqual([]);
  });

  // The service's output is exitmon's own stdout in pretty mode: a reaction
  // to the stop signal must not be printed before the service's 'stopping'
  // line. The service blocks SIGTERM, so a signal sent already is pending.
  it("announces 'stopping' before it signals the service", async () => {
    const block = 'import signal, time; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}); print("up", flush=True); time.sleep(30)';
    const { manager } = managerFor({ services: { a: { command: ['python3', '-c', block], stopGrace: '200ms' } } });
    await manager.start();
    const pid = manager.status().a!.pid!;
    // The mask is in place once python runs its script.
    while ((statusMask(pid, 'SigBlk') & SIGTERM_BIT) === 0n) await new Promise((r) => setTimeout(r, 10));
    let pendingAtEvent: bigint | undefined;
    manager.events.subscribe((e) => {
      if (e.event === 'stopping') pendingAtEvent = statusMask(pid, 'ShdPnd') | statusMask(pid, 'SigPnd');
    });
    await manager.stop();
    expect(pendingAtEvent).toBe(0n);
  });

  it('restart(name) waits while a dependency is in its backoff, and resolves once the service is ready', async () => {
    const dir = tempDir();
    const { manager } = managerFor({
      services: {
        // Fails once, then runs: its first exit puts it in a 300 ms backoff.
        db: {
          command: `test -e ${dir}/up || { touch ${dir}/up; exit 1; }; touch ${dir}/ready; exec sleep 30`,
          ready: { command: ['test', '-e', `${dir}/ready`] },
          restart: 'on-failure',
          restartDelay: '300ms',
        },
        web: { command: 'exec sleep 30', after: ['db'] },
      },
    });
    const started = manager.start();
    while (manager.status().db!.state !== 'backoff') await new Promise((r) => setTimeout(r, 5));
    expect(manager.status().web!.state).toBe('pending');
    await manager.restart('web');
    expect(manager.status()).toMatchObject({ db: { state: 'ready' }, web: { state: 'ready' } });
    await started;
  });

  it('restart(name) of a failed oneshot lets its waiting dependents start', async () => {
    const dir = tempDir();
    const { manager } = managerFor({
      services: {
        migrate: { command: `test -e ${dir}/ok || { touch ${dir}/ok; exit 1; }`, oneshot: true },
        web: { ...loggerService('web', dir), after: ['migrate'] },
      },
    });
    await manager.start();
    expect(manager.status()).toMatchObject({ migrate: { state: 'failed' }, web: { state: 'pending' } });
    await manager.restart('migrate');
    expect(manager.status().migrate).toMatchObject({ state: 'exited', restarts: 1 });
    await manager.start();
    expect(manager.status().web!.state).toBe('ready');
  });

  it('a command that cannot be started fails the service, saying why (not as an exit), and blocks its dependents', async () => {
    const { manager, events } = managerFor({ services: { ghost: { command: ['/nonexistent/exitmon-test'] }, dep: { command: 'sleep 30', after: ['ghost'] } } });
    await manager.start();
    expect(manager.status()).toMatchObject({ ghost: { state: 'failed', pid: undefined, lastExit: undefined }, dep: { state: 'pending' } });
    expect(events.at(-1)).toMatchObject({ service: 'ghost', event: 'failed', reason: 'cannot start /nonexistent/exitmon-test: ENOENT' });
    expect(eventsOf(events, 'ghost')).toEqual(['starting', 'failed']);
  });

  it('suppresses restarts once stopping began', async () => {
    const { manager, events } = managerFor({ services: { a: { command: 'exec sleep 30', restart: 'always', restartDelay: 10 } } });
    await manager.start();
    await manager.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(eventsOf(events, 'a')).toEqual(['starting', 'ready', 'stopping', 'stopped']);
    expect(manager.status().a!.state).toBe('stopped');
  });

  it('a dependency that crashes while its dependents are being stopped is not restarted', async () => {
    const dir = tempDir();
    const { manager, events } = managerFor({
      services: {
        db: { command: `while [ ! -e ${dir}/crash ]; do sleep 0.02; done; exit 1`, restart: 'always', restartDelay: 10 },
        api: { ...loggerService('api', dir, { ignoreTerm: true, stopGrace: '1s' }), after: ['db'] },
      },
    });
    await manager.start();
    const stopped = manager.stop();
    writeFileSync(join(dir, 'crash'), '');
    await stopped;
    // Not restarted, but a crash all the same: failed, so `exitmon up` exits 1.
    expect(eventsOf(events, 'db')).toEqual(['starting', 'ready', 'exited', 'failed']);
    expect(manager.status().db).toMatchObject({ state: 'failed', pid: undefined, restarts: 0 });
    expect(events.find((e) => e.service === 'db' && e.event === 'failed')).toMatchObject({ reason: 'exited with status 1' });
  });

  it('a service that exits 0 before its ready check passed failed (its dependents never start), and says so', async () => {
    const warnings: string[] = [];
    const logger = { error: () => undefined, warn: (_o: unknown, m?: string) => void warnings.push(String(m)), info: () => undefined, debug: () => undefined };
    const manager = new ServiceManager({ services: { early: { command: 'exit 0', ready: { delay: '1s' } }, dep: { command: 'sleep 30', after: ['early'] }, web: { command: 'sleep 30', after: ['dep'] } } }, { stdio: 'ignore', logger });
    const events: ServiceEvent[] = [];
    manager.events.subscribe((e) => events.push(e));
    try {
      await manager.start();
      expect(eventsOf(events, 'early')).toEqual(['starting', 'exited', 'failed']);
      expect(events.find((e) => e.event === 'failed')).toMatchObject({ reason: 'exited with status 0 before it was ready' });
      expect(manager.status().dep!.state).toBe('pending');
      expect(warnings).toContain('service dep will not start: early is failed');
      // Two levels down it names the dependency that will not start in turn.
      expect(warnings).toContain('service web will not start: dep will not start');
    } finally {
      await manager.forceStop();
    }
  });

  it('start() and whenIdle() wait for a restart(name) in progress: they never resolve while it may still start its dependents', async () => {
    const { manager, events } = managerFor({ services: { db: { command: 'exec sleep 30', ready: { delay: '300ms' } }, web: { command: 'exec sleep 30', after: ['db'] } } });
    const started = manager.start();
    await new Promise((r) => setTimeout(r, 100));
    const restarted = manager.restart('db');
    await started;
    expect(manager.status()).toMatchObject({ db: { state: 'ready' }, web: { state: 'ready' } });
    await restarted;
    expect(eventsOf(events, 'web')).toEqual(['starting', 'ready']);
  });

  it('an events observer that throws is logged and supervision goes on', async () => {
    const errors: string[] = [];
    const logger = { error: (_o: unknown, m?: string) => void errors.push(String(m)), warn: () => undefined, info: () => undefined, debug: () => undefined };
    const manager = new ServiceManager({ services: { a: { command: 'exec sleep 30' } } }, { stdio: 'ignore', logger });
    const seen: string[] = [];
    manager.events.subscribe(() => {
      throw new Error('observer bug');
    });
    manager.events.subscribe((e) => void seen.push(e.event));
    await manager.start();
    await manager.stop();
    expect(seen).toEqual(['starting', 'ready', 'stopping', 'stopped']);
    expect(errors.filter((m) => m.includes('observer threw'))).toHaveLength(4);
  });

  it('readyTimeout: 0 means no limit, as TimeoutStartSec=0', async () => {
    const { manager, events } = managerFor({ services: { slow: { command: 'exec sleep 30', ready: { delay: '200ms' }, readyTimeout: 0 } } });
    await manager.start();
    expect(eventsOf(events, 'slow')).toEqual(['starting', 'ready']);
  });

  it('services get stdin, stdout and stderr only: an fd this process holds without close-on-exec does not reach them', async () => {
    const dir = tempDir();
    // A child of ours with fd 20 open (no close-on-exec) runs the manager, as a shell's `20<file` would hand it over.
    const script = join(dir, 'up.mts');
    writeFileSync(script, `
      import { ServiceManager } from ${JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)))};
      const m = new ServiceManager({ services: { s: { command: ['sh', '-c', 'if [ -e /proc/$$/fd/20 ]; then echo fd 20 leaked; else echo clean; fi > ${dir}/fds'], oneshot: true } } }, { stdio: 'ignore' });
      await m.start(); await m.stop();
    `);
    const result = spawnSync('bash', ['-c', `exec 20</etc/hostname; exec ${process.execPath} --import tsx ${script}`], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'fds'), 'utf8').trim()).toBe('clean');
  });

  it('publishes the exits of its services to the monitor', async () => {
    const { Reaper } = await import('../../src/index.js');
    const seen: number[] = [];
    const sub = Reaper.shared().monitor.subscribe('all', (e) => void seen.push(e.pid));
    const { manager, events } = managerFor({ services: { once: { command: 'exit 0' } } });
    await manager.start();
    await manager.whenIdle();
    const pid = events.find((e) => e.event === 'starting')!.pid!;
    await new Promise((r) => setTimeout(r, 50));
    sub.unsubscribe();
    expect(seen).toContain(pid);
  });
});
