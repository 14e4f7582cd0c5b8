// Validation of the services schema: every problem reported at once, each
// naming the service and the key, before anything starts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceConfigError, ServiceManager, type ServicesConfig } from '../../src/index.js';
import { parseServiceDuration } from '../../src/services/duration.js';
import { resolveServicesConfig } from '../../src/services/config.js';
import { readServicesFile } from '../../src/services/load.js';
import { cleanup, tempDir } from './helpers.js';

afterEach(cleanup);

function problems(config: unknown): string[] {
  try {
    resolveServicesConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceConfigError);
    expect((error as ServiceConfigError).code).toBe('ERR_SERVICE_CONFIG');
    return (error as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
  return [];
}

describe('services config', () => {
  it('parses durations as ms numbers or strings with a unit', () => {
    expect([250, '300ms', '5s', '1.5s', '1m'].map(parseServiceDuration)).toEqual([250, 300, 5000, 1500, 60_000]);
    expect(['5', 'soon', '-1s', -3, Number.NaN, '1d', null].map(parseServiceDuration)).toEqual(Array(7).fill(undefined));
  });

  it('takes summed durations as compose and systemd write them (1m30s, 1h 30m), and signal names as supervisord does (TERM, sigint)', () => {
    expect(parseServiceDuration('1m30s')).toBe(90_000);
    expect(parseServiceDuration('1h 30m')).toBe(5_400_000);
    expect(parseServiceDuration('2s500ms')).toBe(2500);
    for (const bad of ['1m30', '1mm', 'm', '1m x']) expect(parseServiceDuration(bad)).toBeUndefined();
    const [a, b] = resolveServicesConfig({ services: { a: { command: 'true', stopSignal: 'TERM' as NodeJS.Signals }, b: { command: 'true', stopSignal: 'sigint' as NodeJS.Signals } } });
    expect([a!.stopSignal, b!.stopSignal]).toEqual(['SIGTERM', 'SIGINT']);
    expect(() => resolveServicesConfig({ services: { a: { command: 'true', stopSignal: 'STOP' as NodeJS.Signals } } })).toThrow(/stopSignal/);
  });

  it('applies the documented defaults', () => {
    const [web] = resolveServicesConfig({ services: { web: { command: 'node server.js' } } });
    expect(web).toMatchObject({
      argv: ['/bin/sh', '-c', 'node server.js'],
      after: [],
      oneshot: false,
      stopSignal: 'SIGTERM',
      stopGraceMs: 5000,
      readyTimeoutMs: 30_000,
      restart: 'no',
      restartDelayMs: 100,
      maxRestartDelayMs: 30_000,
      maxRestarts: 5,
      restartWindowMs: 60_000,
    });
    expect(resolveServicesConfig({ services: { a: { command: 'x' }, b: { command: 'x', after: 'a' } } })[1]!.after).toEqual(['a']);
    const [db] = resolveServicesConfig({ grace: '2s', services: { db: { command: ['my-db', '--x'], ready: { tcp: '5432' }, env: { PORT: 8080 } } } });
    expect(db).toMatchObject({ argv: ['my-db', '--x'], stopGraceMs: 2000, ready: { kind: 'tcp', host: '127.0.0.1', port: 5432 }, env: { PORT: '8080' } });
  });

  it('reports every unknown key and bad value, naming the service and key', () => {
    expect(
      problems({
        grace: 'forever',
        extra: 1,
        services: {
          web: { command: '', restart: 'sometimes', stopSignal: 'SIGSTOP', stopGrace: '5', comand: 'x', maxRestarts: -1 },
          db: { command: ['db'], ready: { http: 'x' }, env: { A: {} } },
        },
      }),
    ).toEqual([
      expect.stringMatching(/^extra: unknown key/),
      expect.stringMatching(/^grace: expected a duration .*"forever"/),
      expect.stringMatching(/^services\.web\.comand: unknown key/),
      expect.stringMatching(/^services\.web\.command: expected a non-empty string/),
      expect.stringMatching(/^services\.web\.stopSignal: expected a signal name .*"SIGSTOP"/),
      expect.stringMatching(/^services\.web\.restart: expected one of no, on-failure, always, got `"sometimes"`/),
      expect.stringMatching(/^services\.web\.maxRestarts: expected a non-negative integer/),
      expect.stringMatching(/^services\.web\.stopGrace: expected a duration/),
      expect.stringMatching(/^services\.db\.ready: .*unknown check `http`/),
      expect.stringMatching(/^services\.db\.env: expected A to be a string/),
    ]);
  });

  // Two keys under ready gave only "expected { tcp … }, got {…}", naming neither.
  it('names an unknown key given next to a ready check, and refuses two checks at once', () => {
    expect(problems({ services: { a: { command: 'x', ready: { tcp: 80, interval: '1s' } }, b: { command: 'x', ready: { tcp: 80, delay: '1s' } } } })).toEqual([
      expect.stringMatching(/^services\.a\.ready: unknown key `interval`: expected \{ tcp/),
      expect.stringMatching(/^services\.b\.ready: expected \{ tcp: "HOST:PORT" \}, \{ command: … \} or \{ delay: DURATION \} \(one check\), got/),
    ]);
  });

  it('rejects a NUL byte in a command or a ready command before anything starts (spawn would refuse it only at start)', () => {
    expect(problems({ services: { a: { command: ['echo', 'a\0b'] }, b: { command: 'echo a\0b' }, c: { command: 'true', ready: { command: ['test', '-e', 'x\0'] } } } })).toEqual([
      expect.stringMatching(/^services\.a\.command: expected no NUL byte in the command/),
      expect.stringMatching(/^services\.b\.command: expected no NUL byte in the command/),
      expect.stringMatching(/^services\.c\.ready: command: expected no NUL byte in the command/),
    ]);
  });

  it('rejects a ready check or a readyTimeout on a oneshot (it is ready when it exits 0)', () => {
    expect(problems({ services: { migrate: { command: 'true', oneshot: true, ready: { delay: '1s' }, readyTimeout: '5s' } } })).toEqual([
      expect.stringMatching(/^services\.migrate\.ready: a oneshot is ready when it exits 0/),
      expect.stringMatching(/^services\.migrate\.readyTimeout: a oneshot is ready when it exits 0; bound its run in its command/),
    ]);
  });

  it('checks env names and values before anything starts; restartDelay alone may exceed the default cap', () => {
    expect(problems({ services: { web: { command: 'true', env: { 'A=B': 'x', C: 'a\0b' } } } })).toEqual([
      expect.stringMatching(/^services\.web\.env: expected a variable name without '=' or NUL, got `"A=B"`/),
      expect.stringMatching(/^services\.web\.env: expected C to contain no NUL byte/),
    ]);
    expect(problems({ services: { web: { command: 'true', restartDelay: '1m' } } })).toEqual([]);
    // A timer takes at most 2^31 - 1 ms: the message says so rather than only "a duration".
    expect(problems({ services: { web: { command: 'true', stopGrace: '1000h', ready: { delay: '600h' } } } })).toEqual([
      expect.stringMatching(/^services\.web\.ready: delay: expected a duration up to 596h .*"600h"/),
      expect.stringMatching(/^services\.web\.stopGrace: expected a duration up to 596h .*"1000h"/),
    ]);
    expect(problems({ services: { web: { command: 'true', restartDelay: '1m', maxRestartDelay: '30s' } } })).toEqual([
      expect.stringMatching(/^services\.web\.maxRestartDelay: must not be shorter than restartDelay/),
    ]);
  });

  it('checks a cwd before anything starts: missing or not a directory is reported, relative ones against the base', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const config = (cwd: string) => ({ services: { web: { command: 'true', cwd } } });
    expect(resolveServicesConfig(config('.'), dir)[0]!.cwd).toBe(dir);
    expect(() => resolveServicesConfig(config('no-such-dir'), dir)).toThrow(/services\.web\.cwd: no such directory: .*no-such-dir/);
    expect(() => resolveServicesConfig(config('file'), dir)).toThrow(/services\.web\.cwd: not a directory: .*file/);
  });

  it('rejects unknown dependencies and prints a cycle', () => {
    expect(problems({ services: { a: { command: 'x', after: ['ghost'] } } })).toEqual([
      'services.a.after: unknown service "ghost" (known: a)',
    ]);
    expect(
      problems({ services: { a: { command: 'x', after: ['c'] }, b: { command: 'x', after: ['a'] }, c: { command: 'x', after: ['b'] }, d: { command: 'x' } } }),
    ).toEqual(['services.a.after: dependency cycle: a -> c -> b -> a']);
  });

  it('the ServiceManager constructor throws before anything starts', () => {
    const config = { services: { a: { command: 'touch never', after: ['b'] }, b: { command: 'x', after: ['a'] } } } as ServicesConfig;
    expect(() => new ServiceManager(config)).toThrow(/dependency cycle: a -> b -> a/);
  });

  it('the ServiceManager options are checked at construction, with the argument-error wording', async () => {
    const config = { services: { a: { command: 'true' } } };
    const bad = (options: unknown) => () => new ServiceManager(config, options as never);
    expect(bad({ logger: 5 })).toThrow(/Expected `options\.logger` to be a pino-compatible logger/);
    expect(bad({ logger: { warn() {} } })).toThrow(TypeError);
    expect(bad({ monitor: {} })).toThrow(/Expected `options\.monitor` to be an ExitMonitor/);
    expect(bad({ stdio: 'pipe' })).toThrow(RangeError);
    expect(bad({ stdio: 1 })).toThrow(TypeError);
    expect(bad('x')).toThrow(TypeError);
    await expect(ServiceManager.load(5 as never)).rejects.toThrow(/Expected `file` to be a non-empty string/);
  });

  it('load() reads YAML (restart: no stays "no") and JSON, and names the file in errors', async () => {
    const dir = tempDir();
    const yaml = join(dir, 'exitmon.yaml');
    writeFileSync(yaml, 'grace: 1s\nservices:\n  a:\n    command: ["true"]\n    restart: no\n');
    const manager = await ServiceManager.load(yaml);
    expect(Object.keys(manager.status())).toEqual(['a']);
    const json = join(dir, 'exitmon.json');
    writeFileSync(json, JSON.stringify({ services: { a: { command: 'true', after: ['zz'] } } }));
    await expect(ServiceManager.load(json)).rejects.toThrow(new RegExp(`Invalid ${json}:\\n  services\\.a\\.after: unknown service "zz"`));
    writeFileSync(yaml, 'services:\n  a: [unclosed\n');
    await expect(ServiceManager.load(yaml)).rejects.toThrow(/cannot parse/);
  });

  it('load(): a duplicate key is an error in JSON as in YAML, naming the lines of both; a BOM is no content; <<: merges an x- extension field', async () => {
    const dir = tempDir();
    const json = join(dir, 'exitmon.json');
    // Before: JSON.parse kept the last `command` without a word and ran it.
    writeFileSync(json, '{"services": {"web": {"command": "echo FIRST",\n "command": "echo SECOND"}}}');
    await expect(ServiceManager.load(json)).rejects.toThrow('cannot parse: key `command` given twice in one map, at lines 1 and 2');
    writeFileSync(json.replace('.json', '.yaml'), 'services:\n  a:\n    command: "true"\n  b:\n    command: "true"\n  a:\n    command: "false"\n');
    await expect(ServiceManager.load(json.replace('.json', '.yaml'))).rejects.toThrow('cannot parse: key `a` given twice in one map, at lines 2 and 6');
    writeFileSync(json, `\uFEFF${JSON.stringify({ services: { web: { command: 'true' } } })}`);
    expect(Object.keys((await ServiceManager.load(json)).status())).toEqual(['web']);
    const yaml = join(dir, 'exitmon.yaml');
    writeFileSync(yaml, 'x-defaults: &defaults\n  command: ["true"]\n  restart: on-failure\nservices:\n  api:\n    <<: *defaults\n    restartDelay: 10ms\n');
    // Before: "services.api.<<: unknown key", and the command was missing.
    expect(await readServicesFile(yaml)).toMatchObject({ services: { api: { command: ['true'], restart: 'on-failure', restartDelay: '10ms' } } });
    expect((await ServiceManager.load(yaml)).status().api).toMatchObject({ state: 'pending' });
    writeFileSync(yaml, 'x-defaults: 1\nservices:\n  a:\n    command: ["true"]\nextra: 1\n');
    await expect(ServiceManager.load(yaml)).rejects.toThrow(/extra: unknown key \(expected grace, services, or an x- extension field\)/);
  });
});
