// The `exitmon` executable (dist/cli/main.js). Kept tiny on purpose: it turns
// on V8's on-disk compile cache where the runtime has one (Node >= 22.1), so
// every module loaded after it, main.ts and the subcommand it loads, starts
// from cached code; then it hands over to main.ts.
import module from 'node:module';
import { holdEarlySignals } from './early-signals.js';

// First thing: as PID 1 a signal that arrives before exitmon handles it is lost.
holdEarlySignals();

// A supervisor runs short bursts of light JS (a /proc scan, an exit line);
// letting TurboFan (and Maglev, on by default from Node 22) optimise those
// bursts costs about 3.5 MB of resident memory (its code pages and output)
// for no gain a user could notice: measured in docs/benchmarks.md (start-up).
// Ignition and Sparkplug still run everything. Nothing is hot enough to be
// optimised in a process's first moments, so the flags are set a little
// later, from an unref'd timer: loading node:v8 (and the streams it pulls in)
// costs 4-7 ms, which a short `exitmon run` or `--version` then never pays.
const OPTIMISERS_OFF_AFTER_MS = 100;
setTimeout(() => {
  const { setFlagsFromString } = module.createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  setFlagsFromString('--no-opt --no-maglev');
}, OPTIMISERS_OFF_AFTER_MS).unref();

// Not in Node 20, Bun or Deno: there the code is compiled afresh each start.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

await import('./main.js');
