import { defineConfig } from 'tsup';

// Library: ESM + CJS with types. The CLI is a separate ESM entry with a shebang.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true, // keeps import.meta.url meaningful in the CJS build (native loader)
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: ['pino', 'pino-pretty', 'prom-client', 'rxjs', 'eventemitter3', 'node-gyp-build'],
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    shims: true,
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['pino', 'pino-pretty', 'prom-client', 'rxjs', 'eventemitter3', 'node-gyp-build'],
  },
]);
