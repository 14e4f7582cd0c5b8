// The published package, as a consumer gets it: `npm pack` (which runs
// prepack: tsup + scripts/prebuild.sh) in a scratch copy of the sources, then
// `npm install <tarball>` into a fresh project with npm's default settings.
// The package has no install script (no warning from npm 11, nothing in
// `npm install-scripts ls`), so the prebuilt binary alone must give the pidfd
// backend; with the prebuilds removed the poll fallback must work and name the
// command that builds the addon, and that command must work. The installed
// footprint (packages, size) is measured and printed. Needs the npm registry
// (or npm's cache) for the consumer's dependencies, and the cross toolchains
// of scripts/prebuild.sh (.ci/platforms.sh installs them).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackageRoot } from '../../src/native/load.js';

const ROOT = findPackageRoot()!;
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const PREBUILD = 'prebuilds/linux-x64/exitmon.glibc.node';
const PREBUILDS = ['linux-x64/exitmon.glibc.node', 'linux-x64/exitmon.musl.node', 'linux-arm64/exitmon.glibc.node', 'linux-arm64/exitmon.musl.node']
  .map((file) => `prebuilds/${file}`);
// What `npm pack` needs from the working tree; node_modules is linked, not copied.
const PACK_INPUTS = ['package.json', 'tsconfig.json', 'tsup.config.ts', 'binding.gyp', 'README.md', 'LICENSE', 'src', 'scripts'];
// Issue 14's goals for a fresh install (0.1: 37 packages, 22 MB).
const MAX_PACKAGES = 25;
const MAX_INSTALLED_BYTES = 14_000_000;
const SETUP_TIMEOUT_MS = 240_000;
const STEP_TIMEOUT_MS = 60_000;

interface Run { code: number | null; stdout: string; stderr: string }

// The child's environment without the outer npm's and vitest's variables, so
// the nested npm reads its own configuration like a consumer's shell would.
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|EXITMON_)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// Runs a command to completion; never rejects, so assertions can show stderr.
function run(command: string, args: readonly string[], cwd: string, env = cleanEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: SETUP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(result: Run, what: string): Run {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

const devVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

// Consumer programs. Each prints one JSON line.
const ESM_PROGRAM = `
import { ExitMonitor, Reaper, spawn, NativeUnavailableError } from 'exitmon';
const reaper = Reaper.shared();
const child = spawn('sh', ['-c', 'exit 7']);
const event = await child.exited;
console.log(JSON.stringify({ backend: reaper.backend, code: event.code, monitor: reaper.monitor instanceof ExitMonitor,
  errors: typeof NativeUnavailableError }));
`;
const CJS_PROGRAM = `
const { ExitMonitor, Reaper, spawn, NativeUnavailableError } = require('exitmon');
const reaper = Reaper.shared();
spawn('sh', ['-c', 'exit 7']).exited.then((event) => {
  console.log(JSON.stringify({ backend: reaper.backend, code: event.code, monitor: reaper.monitor instanceof ExitMonitor,
    errors: typeof NativeUnavailableError }));
});
`;
// \`using\` and the exported types, checked by tsc (strict, nodenext) and then run.
const TS_BODY = `
const topic: Topic = { pid: 4242 };
let kept: ExitSubscription | undefined;
let lastStatus: number | undefined;
{
  using monitor = new ExitMonitor({ recentExits: 8 });
  using subscription = monitor.subscribe(topic, (event: ExitEvent) => void event.seq);
  kept = subscription;
  const published: ExitEvent = monitor.publish({ pid: 4242, signal: 'SIGKILL' });
  const outcome: 'reaped' | 'observed' | 'unknown' = published.outcome;
  lastStatus = monitor.lastExit(4242)?.status;
  // @ts-expect-error a topic is one of five shapes (never called: it would throw)
  const invalid = (): unknown => monitor.subscribe({ pid: '4242' });
  void outcome, invalid;
}
const reaper: Reaper = Reaper.shared();
const backend: ReaperBackend = reaper.backend;
const stats: ReaperStats = reaper.stats();
const state: ProcessState | null = readProcessState(process.pid);
const stopped: Promise<StopResult> | undefined = undefined;
void stopped;
`;
const TS_TAIL = `
  await using child: ManagedProcess = spawn('sh', ['-c', 'exit 5']);
  const exit: ExitEvent = await child.exited;
  const error: ExitMonitorError = new NativeUnavailableError('x');
  console.log(JSON.stringify({ backend, code: exit.code, closedAfterUsing: kept?.closed, lastStatus,
    watched: typeof stats.watched, state, errorCode: typeof error.code }));
`;
const TS_IMPORTS = `import {
  ExitMonitor, ExitMonitorError, NativeUnavailableError, Reaper, readProcessState, spawn,
  type ExitEvent, type ExitSubscription, type ManagedProcess, type ProcessState, type ReaperBackend,
  type ReaperStats, type StopResult, type Topic,
} from 'exitmon';`;
const TS_ESM = `${TS_IMPORTS}\n${TS_BODY}\n${TS_TAIL}\n`;
const TS_CJS = `${TS_IMPORTS}\n${TS_BODY}\nasync function main(): Promise<void> {${TS_TAIL}}\nvoid main();\n`;
// One declaration for both entries: a monitor made through require() is an
// ExitMonitor to the ESM types too (scripts/one-declaration.mjs).
const TS_MADE_BY_REQUIRE = `import { ExitMonitor } from 'exitmon';
export function makeMonitor(): ExitMonitor {
  return new ExitMonitor();
}
`;
const TS_TAKES_BOTH = `import { ExitMonitor, Reaper, ServiceManager, spawn } from 'exitmon';
import { makeMonitor } from './made-by-require.cjs';
export function useBoth(): void {
  const monitor = makeMonitor();
  const esm: ExitMonitor = monitor;
  void new Reaper(esm);
  void spawn('true', [], { monitor });
  void new ServiceManager({ services: { a: { command: 'true' } } }, { monitor });
}
`;
const TS_CONFIG = {
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2022', 'esnext.disposable'],
    types: ['node'],
    skipLibCheck: false,
    outDir: 'out',
  },
  files: ['consumer.mts', 'consumer.cts', 'made-by-require.cts', 'takes-both.mts'],
};

let work: string;
let tarball: string;
let app: string;
let install: Run;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'exitmon-pack-'));
  const source = join(work, 'source');
  for (const name of PACK_INPUTS) cpSync(join(ROOT, name), join(source, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  ok(await run('npm', ['pack', '--pack-destination', work], source), 'npm pack');
  tarball = join(work, `${MANIFEST.name}-${MANIFEST.version}.tgz`);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'exitmon-consumer', version: '0.0.0', private: true }));
  writeFileSync(join(app, 'esm.mjs'), ESM_PROGRAM);
  writeFileSync(join(app, 'cjs.cjs'), CJS_PROGRAM);
  writeFileSync(join(app, 'consumer.mts'), TS_ESM);
  writeFileSync(join(app, 'consumer.cts'), TS_CJS);
  writeFileSync(join(app, 'made-by-require.cts'), TS_MADE_BY_REQUIRE);
  writeFileSync(join(app, 'takes-both.mts'), TS_TAKES_BOTH);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TS_CONFIG, null, 2));
  // npm's defaults, except that the cache is preferred over the registry.
  install = ok(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball,
    `typescript@${devVersion('typescript')}`, `@types/node@${devVersion('@types/node')}`], app), 'npm install');
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

const installed = (...parts: string[]): string => join(app, 'node_modules', 'exitmon', ...parts);

describe('the packed tarball', () => {
  it('holds the bundles, their types, the CLI, the four prebuilds and the sources for a rebuild, and nothing else', async () => {
    const { stdout } = ok(await run('tar', ['-tzf', tarball], work), 'tar');
    const files = stdout.split('\n').filter(Boolean).map((file) => file.replace(/^package\//, '')).sort();
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/yaml.cjs', 'dist/pino.cjs', 'dist/cli/main.js', 'dist/cli/app.js', 'dist/cli/package.json',
      'dist/cli/THIRD-PARTY-LICENSES.txt', ...PREBUILDS, 'src/native/exitmon.c', 'src/native/binding.gyp', 'package.json',
      'README.md', 'LICENSE']) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => file.startsWith('build/') || file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    // A root binding.gyp is an install script to npm, whatever `gypfile` says.
    expect(files).not.toContain('binding.gyp');
  });

  it('has no install script and its source maps carry no copy of the sources', () => {
    const manifest = JSON.parse(readFileSync(installed('package.json'), 'utf8')) as { gypfile?: boolean; scripts: Record<string, string> };
    expect(manifest.gypfile).toBe(false);
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts[script]).toBeUndefined();
    for (const map of ['dist/index.js.map', 'dist/index.cjs.map']) {
      expect((JSON.parse(readFileSync(installed(map), 'utf8')) as { sourcesContent?: unknown }).sourcesContent).toBeUndefined();
    }
  });

  it('publishes no type tagged @internal (the monitor\'s hooks for the reaper, test counters)', () => {
    const types = readFileSync(installed('dist/index.d.cts'), 'utf8');
    expect(types).toContain('declare class ExitMonitor');
    expect(types).not.toContain('@internal');
    expect(types).not.toMatch(/\bforget\(subject/);
  });

  it('README links work on the registry page: absolute URLs (docs/ is not in the package)', () => {
    const targets = [...readFileSync(installed('README.md'), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !/^(https:\/\/|#)/.test(target))).toEqual([]);
  });

  it('loader order: build/Release before prebuilds/, as node-gyp-build resolves it', () => {
    const source = join(work, 'source');
    const resolveAddon = (createRequire(join(source, 'package.json'))('node-gyp-build') as { resolve(dir: string): string }).resolve;
    rmSync(join(source, 'build'), { recursive: true, force: true });
    expect(resolveAddon(source)).toBe(join(source, PREBUILD));
    cpSync(join(source, PREBUILD), join(source, 'build', 'Release', 'exitmon.node'));
    expect(resolveAddon(source)).toBe(join(source, 'build', 'Release', 'exitmon.node'));
  });
});

describe('installed with npm defaults: no install script runs', () => {
  it('npm has no install script to warn about or list', async () => {
    expect(existsSync(installed('package.json'))).toBe(true);
    expect(existsSync(installed(PREBUILD))).toBe(true);
    expect(existsSync(installed('build'))).toBe(false);
    expect(install.stdout + install.stderr).not.toMatch(/install-scripts|allowScripts/);
    const listed = ok(await run('npm', ['install-scripts', 'ls'], app), 'npm install-scripts ls');
    expect(listed.stdout + listed.stderr).not.toMatch(/exitmon/);
  }, STEP_TIMEOUT_MS);

  it(`installs at most ${MAX_PACKAGES} packages and ${MAX_INSTALLED_BYTES / 1e6} MB (printed)`, async () => {
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    // The consumer's own typescript and @types/node (and their dependencies) are not exitmon's.
    const ours = Object.keys(lock.packages).filter((key) => key !== '' && !/node_modules\/(typescript|@types\/node|undici-types)$/.test(key));
    const sizes = ['exitmon', 'rxjs', 'tslib', 'eventemitter3', 'node-gyp-build'].map((name) => join(app, 'node_modules', name)).filter(existsSync);
    const apparent = ok(await run('du', ['-sb', '--total', ...sizes], app), 'du').stdout.trim().split('\n').at(-1)!;
    const disk = ok(await run('du', ['-sk', '--total', ...sizes], app), 'du').stdout.trim().split('\n').at(-1)!;
    const bytes = Number(apparent.split('\t')[0]);
    console.log(`exitmon installs ${ours.length} packages (${ours.map((key) => key.replace(/^.*node_modules\//, '')).join(', ')}): ` +
      `${(bytes / 1e6).toFixed(2)} MB of files, ${(Number(disk.split('\t')[0]) / 1000).toFixed(2)} MB on disk`);
    expect(ours.length).toBeLessThanOrEqual(MAX_PACKAGES);
    expect(bytes).toBeLessThanOrEqual(MAX_INSTALLED_BYTES);
  }, STEP_TIMEOUT_MS);

  it('ESM import gives the pidfd backend from the prebuild, without a warning', async () => {
    const result = ok(await run(process.execPath, ['esm.mjs'], app), 'esm.mjs');
    expect(JSON.parse(result.stdout)).toEqual({ backend: 'pidfd', code: 7, monitor: true, errors: 'function' });
    expect(result.stderr).not.toMatch(/ExitmonWarning/);
  }, STEP_TIMEOUT_MS);

  it('CJS require gives the pidfd backend from the prebuild, without a warning', async () => {
    const result = ok(await run(process.execPath, ['cjs.cjs'], app), 'cjs.cjs');
    expect(JSON.parse(result.stdout)).toEqual({ backend: 'pidfd', code: 7, monitor: true, errors: 'function' });
    expect(result.stderr).not.toMatch(/ExitmonWarning/);
  }, STEP_TIMEOUT_MS);

  it('the native addon the consumer loads is the prebuild', async () => {
    const script = `console.log(require('node-gyp-build').resolve(${JSON.stringify(installed())}))`;
    const result = ok(await run(process.execPath, ['-e', script], app), 'node-gyp-build resolve');
    expect(result.stdout.trim()).toBe(installed(PREBUILD));
  }, STEP_TIMEOUT_MS);

  it('a TypeScript consumer using `using` type-checks (strict, nodenext, ESM and CJS) and runs', async () => {
    ok(await run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app), 'tsc');
    for (const program of ['out/consumer.mjs', 'out/consumer.cjs']) {
      const result = ok(await run(process.execPath, [program], app), program);
      expect(JSON.parse(result.stdout)).toEqual({ backend: 'pidfd', code: 5, closedAfterUsing: true, lastStatus: 137,
        watched: 'number', state: 'running', errorCode: 'string' });
    }
  }, STEP_TIMEOUT_MS);

  it('`npx exitmon --version` prints the version', async () => {
    const result = ok(await run('npx', ['--no-install', 'exitmon', '--version'], app), 'npx exitmon --version');
    expect(result.stdout.trim()).toContain(MANIFEST.version);
  }, STEP_TIMEOUT_MS);

  it('the installed CLI runs a command with its bundled logger and metrics (pino and prom-client are not installed)', async () => {
    expect(existsSync(join(app, 'node_modules', 'pino'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'prom-client'))).toBe(false);
    const result = await run(installed('dist', 'cli', 'main.js'), ['run', '--metrics', '0', '--', 'sh', '-c', 'exit 3'], app);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/"status":3/);
    expect(result.stderr).toMatch(/"msg":"metrics at http:\/\/127\.0\.0\.1:\d+\/metrics"/);
  }, STEP_TIMEOUT_MS);

  it('reads YAML services files without the yaml package (its bundled parser, dist/yaml.cjs)', async () => {
    expect(existsSync(join(app, 'node_modules', 'yaml'))).toBe(false);
    writeFileSync(join(app, 'exitmon.yaml'), 'services:\n  once: { command: ["sh", "-c", "exit 0"], oneshot: true }\n');
    const cli = await run(installed('dist', 'cli', 'main.js'), ['up', '--format', 'json'], app);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/"service":"once","event":"exited".*"status":0/);
    const script = "const { ServiceManager } = require('exitmon'); ServiceManager.load('exitmon.yaml').then((m) => console.log(Object.keys(m.status()).join()));";
    const library = ok(await run(process.execPath, ['-e', script], app), 'ServiceManager.load');
    expect(library.stdout.trim()).toBe('once');
  }, STEP_TIMEOUT_MS);
});

describe('installed without a usable prebuild', () => {
  beforeAll(() => {
    rmSync(installed('prebuilds'), { recursive: true, force: true });
  });

  for (const program of ['esm.mjs', 'cjs.cjs']) {
    it(`${program}: the poll backend, with one warning that names the command that builds the addon`, async () => {
      const result = ok(await run(process.execPath, [program], app), program);
      expect(JSON.parse(result.stdout)).toEqual({ backend: 'poll', code: 7, monitor: true, errors: 'function' });
      expect(result.stderr.match(/\[EXITMON_POLL_FALLBACK\] ExitmonWarning/g)).toHaveLength(1);
      expect(result.stderr).toMatch(/no native addon found/);
      expect(result.stderr).toContain(`to build the native backend, run \`npx node-gyp rebuild -C ${installed('src', 'native')}\``);
    }, STEP_TIMEOUT_MS);
  }

  it('the command the warning names builds the addon from the installed sources, and exitmon loads it', async () => {
    // The repository's node-gyp stands in for npx's download; the arguments are the warning's.
    ok(await run(process.execPath, [join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '-C', installed('src', 'native')], app,
      cleanEnv({ npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' })), 'node-gyp rebuild');
    expect(existsSync(installed('src', 'native', 'build', 'Release', 'exitmon.node'))).toBe(true);
    const result = ok(await run(process.execPath, ['esm.mjs'], app), 'esm.mjs');
    expect(JSON.parse(result.stdout)).toEqual({ backend: 'pidfd', code: 7, monitor: true, errors: 'function' });
    expect(result.stderr).not.toMatch(/ExitmonWarning/);
  }, SETUP_TIMEOUT_MS);
});
