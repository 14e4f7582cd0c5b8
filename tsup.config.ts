import { defineConfig } from 'tsup';

const SH_LAUNCHER = [
  '#!/bin/sh',
  `":" //; v=; while read -r k v; do [ "$k" = SigIgn: ] && break; v=; done 2>/dev/null </proc/$$/status; EXITMON_START_SIGIGN=$v exec node "$0" "$@"`,
].join('\n');

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
    // A sh/JS polyglot: sh records the inherited SigIgn mask (Node resets
    // SIG_IGN of signals 1-31 at start-up, so `nohup` would be invisible),
    // then execs node on this file; JS sees a string and a comment.
    banner: { js: SH_LAUNCHER },
    external: ['pino', 'pino-pretty', 'prom-client', 'rxjs', 'eventemitter3', 'node-gyp-build'],
  },
]);
