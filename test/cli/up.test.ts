// `exitmon up`: services from a file, one JSON line per service event,
// stop on SIGTERM with nothing left, exit 2 for a bad file before anything
// starts, and as PID 1 of a pid namespace.
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers.js';
import { CLI, ensureBuilt, FIXTURES, isAlive, jsonRecords, ROOT, runCli, startCli, stopAllClis } from './cli-process.js';

const UNSHARE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];
const unshareOk = spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'true']).status === 0;
if (!unshareOk) console.warn('skipping the `exitmon up` PID 1 test: unshare --pid is refused here');

let dir: string;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  await stopAllClis();
  rmSync(dir, { recursive: true, force: true });
});

// Writes a services file into a fresh temp dir; returns its path.
function servicesFile(text: string, name = 'exitmon.yaml'): string {
  dir = mkdtempSync(join(tmpdir(), 'exitmon-up-'));
  const file = join(dir, name);
  writeFileSync(file, text.replaceAll('$DIR', dir).replaceAll('$FIXTURES', FIXTURES));
  return file;
}

// Every descendant of pid (host pids), from /proc parent links.
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) for (const child of children.get(stack.pop()!) ?? []) stack.push(child), out.push(child);
  return out;
}

const FAMILY = `grace: 300ms
services:
  a:
    command: ["sh", "$FIXTURES/services-family.sh", "a"]
  b:
    command: ["sh", "$FIXTURES/services-family.sh", "b"]
    after: [a]
`;

type Line = { service: string; event: string; pid?: number; status?: number; restarts: number; at: number };
const lines = (stdout: string) => jsonRecords(stdout) as unknown as Line[];

describe('exitmon up', () => {
  it('prints one JSON line per service event and stops everything on SIGTERM, nothing left', async () => {
    const cli = startCli(['up', '-f', servicesFile(FAMILY), '--format', 'json']);
    await cli.waitFor('stderr', /family b up/);
    await cli.waitFor('stdout', /"service":"b","event":"ready"/);
    // Five processes per family once its `( … &)` subshell has handed its
    // sleep over; one /proc scan is no atomic snapshot (a sleep read while
    // its parent was that exiting subshell is linked to nothing), so look
    // until all ten show.
    let family: number[] = [];
    await until(() => (family = descendants(cli.pid)).length >= 2 * 5, 10_000, 'both families');
    process.kill(cli.pid, 'SIGTERM');
    const { status, stdout, stderr } = await cli.done;
    expect(status, stderr).toBe(0);
    expect(family.filter(isAlive)).toEqual([]);
    const events = lines(stdout);
    // --format json: stdout is JSON lines only (the services' output went to stderr).
    expect(stdout.trim().split('\n').every((l) => l.startsWith('{'))).toBe(true);
    expect(events.map((e) => `${e.service} ${e.event}`)).toEqual([
      'a starting', 'a ready', 'b starting', 'b ready', 'b stopping', 'b stopped', 'a stopping', 'a stopped',
    ]);
    for (const e of events) expect(Object.keys(e).sort()).toEqual(expect.arrayContaining(['at', 'event', 'restarts', 'service']));
    expect(events[0]).toEqual({ service: 'a', event: 'starting', pid: expect.any(Number), restarts: 0, at: expect.any(Number) });
    expect(stderr).toMatch(/done: 0 survivor\(s\), 0 zombie\(s\) left, exit status 0/);
  });

  it('a second SIGTERM during the stop kills at once instead of waiting out the grace', async () => {
    const file = servicesFile(`services:\n  stubborn: { command: ["bash", "$FIXTURES/services-logger.sh", "stubborn", "$DIR", "ignore"], stopGrace: 60s }\n`);
    const cli = startCli(['up', '-f', file, '--format', 'json']);
    await cli.waitFor('stdout', /"service":"stubborn","event":"ready"/);
    const family = descendants(cli.pid);
    process.kill(cli.pid, 'SIGTERM');
    await cli.waitFor('stdout', /"service":"stubborn","event":"stopping"/);
    const t0 = Date.now();
    process.kill(cli.pid, 'SIGTERM');
    const { status, stdout, stderr } = await cli.done;
    expect(Date.now() - t0).toBeLessThan(30_000); // far below the 60s grace
    expect(status, stderr).toBe(0);
    expect(stderr).toMatch(/SIGTERM again: killing everything now/);
    expect(lines(stdout).at(-1)).toMatchObject({ service: 'stubborn', event: 'stopped', status: 137 });
    expect(family.filter(isAlive)).toEqual([]);
  });

  it('survives SIGUSR1, SIGUSR2, SIGALRM and the real-time signals, and stops every service on SIGHUP (a closed terminal), nothing left', async () => {
    const cli = startCli(['up', '-f', servicesFile(FAMILY), '--format', 'json']);
    await cli.waitFor('stdout', /"service":"b","event":"ready"/);
    const family = descendants(cli.pid);
    for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGALRM'] as const) {
      process.kill(cli.pid, signal);
      await cli.waitFor('stderr', new RegExp(`${signal} ignored`));
    }
    // Real-time signals cannot be listened to from JavaScript: they used to
    // end exitmon (status 162) and leave the services running unsupervised.
    for (const signo of [34, 64]) process.kill(cli.pid, signo); // SIGRTMIN, SIGRTMAX (glibc)
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(cli.pid)).toBe(true);
    const started = lines(cli.stdout).filter((e) => e.event === 'starting').map((e) => e.pid!);
    expect(started.filter(isAlive)).toEqual(started); // every service still runs
    expect(lines(cli.stdout).map((e) => e.event)).not.toContain('stopping');
    process.kill(cli.pid, 'SIGHUP');
    const { status, stdout, stderr } = await cli.done;
    expect(status, stderr).toBe(0);
    expect(family.filter(isAlive)).toEqual([]);
    expect(lines(stdout).map((e) => `${e.service} ${e.event}`).slice(-4)).toEqual(['b stopping', 'b stopped', 'a stopping', 'a stopped']);
  });

  it('under nohup, SIGHUP is logged and ignored: the services run on, and SIGTERM still stops them', async () => {
    // Through the launcher line (dist/cli/main.js run as a program): Node itself forgets an inherited SIG_IGN.
    const cli = startCli(['up', '-f', servicesFile(FAMILY), '--format', 'json'], { prefix: ['nohup'], viaLauncher: true });
    await cli.waitFor('stdout', /"service":"b","event":"ready"/);
    process.kill(cli.pid, 'SIGHUP');
    await cli.waitFor('stderr', /SIGHUP ignored: it was ignored when exitmon started \(nohup\)/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(cli.pid)).toBe(true);
    const started = lines(cli.stdout).filter((e) => e.event === 'starting').map((e) => e.pid!);
    expect(started.filter(isAlive)).toEqual(started);
    process.kill(cli.pid, 'SIGTERM');
    const { status, stdout, stderr } = await cli.done;
    expect(status, stderr).toBe(0);
    expect(lines(stdout).map((e) => `${e.service} ${e.event}`).slice(-4)).toEqual(['b stopping', 'b stopped', 'a stopping', 'a stopped']);
  });

  it('exits by itself when no service runs any more: 0 when none failed, 1 when one did', async () => {
    const ok = await runCli(['up', '-f', servicesFile('services:\n  once: { command: "exit 0", oneshot: true }\n'), '--format', 'json']);
    expect(ok.status).toBe(0);
    expect(lines(ok.stdout).map((e) => e.event)).toEqual(['starting', 'exited']);
    rmSync(dir, { recursive: true, force: true });
    const failed = await runCli(['up', '-f', servicesFile('services:\n  bad: { command: "exit 3", ready: { delay: 1m } }\n  dep: { command: "touch $DIR/started", after: [bad] }\n'), '--format', 'json']);
    expect(failed.status).toBe(1);
    expect(lines(failed.stdout).map((e) => `${e.service} ${e.event}`)).toEqual(['bad starting', 'bad exited', 'bad failed']);
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  // It exited 0: the dependency had not failed, so nothing counted the
  // service the file asks for that never ran.
  it('exits 1, naming it, when a service never started because its dependency ended before it could', async () => {
    const file = servicesFile('services:\n  quick: { command: "exit 0" }\n  slow: { command: "sleep 1.2", ready: { delay: 800ms } }\n  app: { command: "touch $DIR/started", after: [quick, slow] }\n');
    const { status, stdout, stderr } = await runCli(['up', '-f', file, '--format', 'json']);
    expect(status, stderr).toBe(1);
    expect(lines(stdout).filter((e) => e.service === 'app')).toEqual([]);
    expect(stderr).toMatch(/never started: app \(quick is exited/);
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  it.each([
    ['a cycle', 'services:\n  a: { command: "touch $DIR/a", after: [c] }\n  b: { command: "touch $DIR/b", after: [a] }\n  c: { command: "touch $DIR/c", after: [b] }\n', /services\.a\.after: dependency cycle: a -> c -> b -> a/],
    ['an unknown dependency', 'services:\n  a: { command: "touch $DIR/a" }\n  b: { command: "touch $DIR/b", after: [ghost] }\n', /services\.b\.after: unknown service "ghost"/],
    ['an unknown key', 'services:\n  a: { command: "touch $DIR/a", restartz: always }\n', /services\.a\.restartz: unknown key/],
  ])('rejects %s with exit 2 before any process starts', async (_what, text, message) => {
    const { status, stdout, stderr } = await runCli(['up', '-f', servicesFile(text)]);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['exitmon.yaml']);
  });

  it("services do not inherit the launcher's start-signal mask (EXITMON_START_SIGIGN)", async () => {
    const file = servicesFile('services:\n  once: { command: "env > $DIR/env", oneshot: true }\n');
    const { status, stderr } = await startCli(['up', '-f', file, '-q'], { viaLauncher: true }).done;
    expect(status, stderr).toBe(0);
    const env = readFileSync(join(dir, 'env'), 'utf8');
    expect(env).toMatch(/^PATH=/m);
    expect(env).not.toMatch(/^EXITMON_START_SIGIGN=/m);
  });

  it('reads exitmon.yaml from the working directory, and exits 2 when there is none', () => {
    servicesFile('services:\n  once: { command: "touch $DIR/ran", oneshot: true }\n');
    const found = spawnSync(process.execPath, [CLI, 'up', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    expect(found.status, found.stderr).toBe(0);
    expect(existsSync(join(dir, 'ran'))).toBe(true);
    expect(found.stderr).not.toMatch(/several services files/);
    // Two of them: the first in the search order runs, and a warning says so.
    writeFileSync(join(dir, 'exitmon.json'), '{"services": {"other": {"command": "exit 3"}}}');
    const both = spawnSync(process.execPath, [CLI, 'up', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    expect(both.status, both.stderr).toBe(0);
    expect(both.stderr).toMatch(/several services files here: using \S+exitmon\.yaml, not \S+exitmon\.json/);
    rmSync(join(dir, 'exitmon.json'));
    rmSync(join(dir, 'exitmon.yaml'));
    const missing = spawnSync(process.execPath, [CLI, 'up'], { cwd: dir, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no services file: none of exitmon\.yaml, exitmon\.yml, exitmon\.json/);
  });

  it('--metrics serves per-service series: up, state, restarts, exits by status', async () => {
    const file = servicesFile('services:\n  steady: { command: "exec sleep 30" }\n  crashy: { command: "exit 2", restart: on-failure, restartDelay: 50ms, maxRestarts: 2 }\n');
    const cli = startCli(['up', '-f', file, '--format', 'json', '--metrics', '0']);
    const [, url] = await cli.waitFor('stderr', /metrics at (http:\/\/\S+?\/metrics)/);
    await cli.waitFor('stdout', /"service":"crashy","event":"failed"/);
    const text = await (await fetch(url!)).text();
    expect(text).toMatch(/^exitmon_service_up\{service="steady"\} 1$/m);
    expect(text).toMatch(/^exitmon_service_up\{service="crashy"\} 0$/m);
    // `up` is 0 for a service that gave up and for one waiting alike; the state tells them apart.
    expect(text).toMatch(/^exitmon_service_state\{service="crashy",state="failed"\} 1$/m);
    expect(text).toMatch(/^exitmon_service_state\{service="crashy",state="backoff"\} 0$/m);
    expect(text).toMatch(/^exitmon_service_state\{service="steady",state="ready"\} 1$/m);
    expect(text.match(/^exitmon_service_state\{service="steady",state="\w+"\} 1$/gm)).toHaveLength(1);
    expect(text).toMatch(/^exitmon_service_restarts_total\{service="crashy"\} 2$/m);
    expect(text).toMatch(/^exitmon_service_restarts_total\{service="steady"\} 0$/m);
    expect(text).toMatch(/^exitmon_service_exits_total\{service="crashy",status="2"\} 3$/m);
    process.kill(cli.pid, 'SIGTERM');
    // A service failed: exit status 1 even though the stop was clean.
    expect((await cli.done).status).toBe(1);
  });

  it('a bad services file is status 2 before anything starts, the metrics server included (even on a port in use)', async () => {
    const file = servicesFile('services:\n  a:\n    command: 5\n');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const { status, stderr } = await runCli(['up', '-f', file, '--metrics', String(port)]);
      // Before: the server started first, so a port in use gave 1 and the bad file went unreported.
      expect(status).toBe(2);
      expect(stderr).toMatch(/services\.a\.command: expected/);
      expect(stderr).not.toMatch(/cannot serve metrics/);
    } finally {
      taken.close();
    }
  });

  it('runs the example of docs/services.md as-is', async () => {
    dir = mkdtempSync(join(tmpdir(), 'exitmon-up-'));
    const cli = startCli(['up', '-f', join(ROOT, 'docs/examples/exitmon.yaml'), '--format', 'json']);
    await cli.waitFor('stdout', /"service":"web","event":"ready"/, 20_000);
    process.kill(cli.pid, 'SIGTERM');
    const { status, stdout, stderr } = await cli.done;
    expect(status, stderr).toBe(0);
    expect(lines(stdout).filter((e) => e.event === 'failed')).toEqual([]);
  });

  // The readiness probe connects and closes at once: the example's db died of
  // the reset that followed its greeting (unhandled ECONNRESET, exit 1) in
  // about one of a hundred probes, and the example above failed with it.
  it("the example's server survives clients that close before reading its greeting", async () => {
    dir = mkdtempSync(join(tmpdir(), 'exitmon-up-'));
    const server = spawn(process.execPath, [join(ROOT, 'docs/examples/tcp-service.mjs'), 'db', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    try {
      const listening = await new Promise<string>((resolve) => server.stdout!.setEncoding('utf8').once('data', resolve));
      const port = Number(/:(\d+)/.exec(listening)![1]);
      for (let i = 0; i < 500 && server.exitCode === null; i++) {
        await new Promise<void>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port });
          const close = (): void => void (socket.destroy(), resolve());
          socket.once('connect', close).once('error', close);
        });
      }
      expect(server.exitCode, stderr).toBeNull();
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  });
});

describe.skipIf(!unshareOk)('exitmon up as PID 1 (unshare --pid)', () => {
  it('stops every service on SIGTERM with 0 survivors and 0 zombies', async () => {
    const cli = startCli(['up', '-f', servicesFile(FAMILY), '--format', 'json'], { prefix: UNSHARE });
    await cli.waitFor('stdout', /"service":"b","event":"ready"/);
    await cli.waitFor('stderr', /family b up/);
    const init = descendants(cli.pid)[0]!;
    expect(descendants(init).length).toBeGreaterThanOrEqual(2 * 5);
    process.kill(init, 'SIGTERM');
    const { status, stdout, stderr } = await cli.done;
    expect(status, stderr).toBe(0);
    expect(stderr).toMatch(/"pid":1,.*done: 0 survivor\(s\), 0 zombie\(s\) left, exit status 0/);
    expect(lines(stdout).filter((e) => e.event === 'stopped').map((e) => e.service)).toEqual(['b', 'a']);
  });
});
