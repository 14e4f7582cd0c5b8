import { defineConfig, type Options } from 'tsup';

// The package's dependencies stay external; everything the CLI alone needs
// (pino, prom-client) is bundled into the CLI's own chunks, so a library user
// does not install it (docs/dependencies.md).
const external = ['rxjs', 'eventemitter3', 'node-gyp-build'];

// Source maps map stack traces back to src/ but carry no copy of the sources
// (sourcesContent): src/ is not in the package, and the copies were most of
// the tarball.
const noSourcesContent: Options['esbuildOptions'] = (options) => {
  options.sourcesContent = false;
};

// Library: ESM + CJS with types. The CLI is a separate ESM build with a shebang.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true, // keeps import.meta.url meaningful in the CJS build (native loader)
    sourcemap: true,
    esbuildOptions: noSourcesContent,
    clean: true,
    target: 'node20',
    external,
  },
  {
    // bin.ts becomes dist/cli/main.js (the `exitmon` bin). Each subcommand, the
    // library and the metrics server are chunks next to it, loaded on demand
    // (splitting).
    entry: { main: 'src/cli/bin.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    splitting: true,
    sourcemap: true,
    esbuildOptions: noSourcesContent,
    target: 'node20',
    platform: 'node',
    // The CLI carries its own copy of the library; bundling rxjs's Observable
    // and eventemitter3 into it too saves loading them as separate modules
    // (CommonJS through the ESM loader) at every start.
    external: ['node-gyp-build'],
    noExternal: ['rxjs', 'eventemitter3'],
    // pino and prom-client are CommonJS: esbuild's ESM output needs a real
    // `require` for the Node built-ins they load.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __exitmonRequire } from 'node:module';\nconst require = __exitmonRequire(import.meta.url);" },
  },
]);
