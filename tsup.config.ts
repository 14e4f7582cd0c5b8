import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

// Bundling third-party code means shipping its licence: writes the licence of
// every package bundled into a build to THIRD-PARTY-LICENSES.txt in its
// output folder (dist/cli/ for the CLI, dist/ for the yaml and pino bundles).
const thirdPartyLicenses: Plugin = {
  name: 'third-party-licenses',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      if (result.metafile === undefined) return;
      const packages = new Map<string, string>();
      for (const input of Object.keys(result.metafile.inputs)) {
        const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
        if (match === null) continue;
        const dir = match[1]!;
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
        const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)/i.test(name));
        const text = file !== undefined ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${manifest.license ?? 'unknown'}`;
        packages.set(`${manifest.name}@${manifest.version}`, text);
      }
      // tsup writes the bundles after esbuild ends: the directory may not exist yet.
      const out = build.initialOptions.outdir!;
      mkdirSync(out, { recursive: true });
      const body = [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, text]) => `${name}\n\n${text}\n`);
      writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'),
        `The exitmon files in this directory bundle the following packages:\n\n${body.join(`\n${'-'.repeat(72)}\n\n`)}`);
    });
  },
};

// The package's dependencies stay external; everything the CLI alone needs is
// bundled (prom-client into the CLI's own chunks, pino into dist/pino.cjs),
// so a library user does not install it (docs/dependencies.md).
const external = ['rxjs', 'eventemitter3', 'node-gyp-build', 'yaml'];

// Source maps map stack traces back to src/ but carry no copy of the sources
// (sourcesContent): src/ is not in the package, and the copies were most of
// the tarball.
const noSourcesContent: Options['esbuildOptions'] = (options) => {
  options.sourcesContent = false;
};

// One line of sh (see the banner below). Node resets every inherited SIG_IGN
// and marks inherited fds 0-15 (and any run of open fds right after)
// close-on-exec (uv_disable_stdio_inheritance) before any code runs, so sh
// records both first: the SigIgn mask, and which of those fds ≥ 3 it was
// handed without close-on-exec, each with its inode from fdinfo (Linux 5.14),
// after its own pid (exec keeps it): src/cli/inherited-fds.ts passes an fd
// on only if it is still that file in that process. The script itself is
// left out (dash holds it without close-on-exec when fds 3-9 are taken).
// NODE_OPTIONS is the command's, not exitmon's (an --inspect port or a
// --require'd agent would load in exitmon as well): kept aside, after the pid,
// and emptied for node; src/cli/node-options.ts puts it back before any
// command starts. The SigIgn mask also goes after the pid, so that a stale
// variable in the environment (exitmon started without the launcher) is not
// taken for this start's. So does the soft open-files limit from
// /proc/self/limits (the runtime raises it to the hard one: start-limits.ts).
// `[ ]` and `read` open no fd in the range looked at. /proc/self, not
// /proc/$$: in a pid namespace whose /proc was not remounted (`unshare --pid
// --fork` without --mount-proc) $$ is 1, and /proc/1 is the outer init.
const SH_LAUNCHER = [
  '#!/bin/sh',
  '":" //; ' +
    'v=; while read -r k v; do [ "$k" = SigIgn: ] && break; v=; done 2>/dev/null </proc/self/status; ' +
    'l=; while read -r k x y l z; do [ "$k $x $y" = "Max open files" ] && break; l=; done 2>/dev/null </proc/self/limits; ' +
    'f=$$; n=3; while [ $n -le 15 ] || [ -e /proc/self/fd/$n ]; do if [ -e /proc/self/fd/$n ] && ! [ /proc/self/fd/$n -ef "$0" ]; then ' +
    'g=; i=; while read -r k x; do case $k in flags:) g=$x;; ino:) i=$x;; esac; done 2>/dev/null </proc/self/fdinfo/$n; ' +
    '[ -n "$g" ] && [ $((0$g & 02000000)) = 0 ] && f="$f $n:$i"; fi; n=$((n + 1)); done; ' +
    'EXITMON_START_SIGIGN=$$:$v EXITMON_START_NOFILE=$$:$l EXITMON_START_FDS=$f EXITMON_START_NODE_OPTIONS=${NODE_OPTIONS+$$:$NODE_OPTIONS} NODE_OPTIONS= exec node "$0" "$@"',
].join('\n');

// Library: ESM + CJS with types. The CLI is a separate ESM build with a shebang.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // What is tagged @internal (counters for tests and benchmarks, the
    // reaper's hooks into the monitor) is no part of the published types.
    dts: { compilerOptions: { stripInternal: true } },
    shims: true, // keeps import.meta.url meaningful in the CJS build (native loader)
    sourcemap: true,
    esbuildOptions: noSourcesContent,
    // dist/cli and dist/yaml.cjs are the other builds', which run at the same time.
    clean: ['!cli/**', '!yaml.cjs', '!pino.cjs', '!THIRD-PARTY-LICENSES.txt'],
    target: 'node20',
    external,
  },
  {
    // The CLI is CommonJS, in two files: bin.ts becomes dist/cli/main.js (the
    // `exitmon` bin, a few hundred bytes), which holds PID 1's early signals
    // and turns on the compile cache before it requires dist/cli/app.js, the
    // rest in one bundle (main.ts with every subcommand, the library and the
    // metrics server, each evaluated only when the command line needs it).
    // Measured against the ESM build with a chunk per subcommand: 6-14 ms
    // less per start (Node's ESM loader, a module job per chunk, and the ESM
    // facade of every built-in, which loads its lazy exports, all go), the
    // same for --version (docs/benchmarks.md, start-up).
    entry: { main: 'src/cli/bin.ts', app: 'src/cli/main.ts' },
    outDir: 'dist/cli',
    clean: true,
    format: ['cjs'],
    outExtension: () => ({ js: '.js' }),
    shims: true, // import.meta.url (the addon's loader, usage, pino's path)
    // No source maps: this code is mostly bundled prom-client and the library.
    target: 'node20',
    platform: 'node',
    // The CLI carries its own copy of the library, with rxjs's Observable and
    // eventemitter3 bundled in: one file to read instead of their modules.
    // pino is dist/pino.cjs, loaded by logger.ts on the first record.
    external: ['node-gyp-build', 'yaml', 'pino'],
    noExternal: ['rxjs', 'eventemitter3'],
    // Mostly bundled third-party code: minified, it is half the install size.
    minify: true,
    esbuildPlugins: [thirdPartyLicenses],
    // The package is "type": "module": this marks dist/cli/*.js CommonJS.
    onSuccess: async () => writeFileSync('dist/cli/package.json', '{\n  "type": "commonjs"\n}\n'),
    // A sh/JS polyglot: sh records the inherited SigIgn mask (Node resets
    // SIG_IGN of signals 1-31 at start-up, so `nohup` would be invisible),
    // then execs node on this file; JS sees a string and a comment.
    banner: { js: SH_LAUNCHER },
  },
  {
    // ServiceManager.load's YAML parser: the yaml package bundled and minified
    // into one file that the library and the CLI load on first use
    // (src/services/load.ts), instead of a 1.4 MB dependency.
    // The same for the CLI's logger, pino: dist/pino.cjs (src/cli/pino-bundle.ts).
    entry: { yaml: 'src/services/yaml-parser.ts', pino: 'src/cli/pino-bundle.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    noExternal: ['yaml', 'pino'],
    minify: true,
    esbuildPlugins: [thirdPartyLicenses], // dist/THIRD-PARTY-LICENSES.txt: yaml's and pino's
    target: 'node20',
    platform: 'node',
  },
]);
