// The `exitmon` executable (dist/cli/main.js). Kept tiny on purpose: it holds
// PID 1's early signals, turns on V8's on-disk compile cache where the runtime
// has one (Node >= 22.1), so that the bundle loaded after it (dist/cli/app.js:
// main.ts and all it needs) starts from cached code; then it hands over to it.
// It loads no module of its own at run time (each would be a file more to
// load on every start): the constants it takes from early-signals.ts are
// inlined by the bundler, and the others reach the hold below through KEY.
import module from 'node:module';
import { EARLY_SIGNALS_KEY as KEY, HELD_SIGNALS as HELD, type Hold, type LateSignals } from './early-signals.js';

// First thing: as PID 1 a signal that arrives before exitmon handles it is
// lost. Why and how the hold is handed over: early-signals.ts.
const versions = process.versions as { bun?: string; deno?: string };
if (process.pid === 1 && versions.bun === undefined && versions.deno === undefined) {
  const held: NodeJS.Signals[] = [];
  let late: LateSignals | undefined;
  const listener = (signal: NodeJS.Signals): void => {
    if (late === undefined) held.push(signal);
    else if (late === 'reraise') process.kill(process.pid, signal);
  };
  for (const signal of HELD) process.on(signal, listener);
  const hold: Hold = {
    handOver(how) {
      late = how;
      // Removing the last listener of a signal resets it to SIG_DFL in
      // libuv, which would undo a native handler installed since: the
      // listener stays, idle, unless the holding is released.
      if (how === 'release') for (const signal of HELD) process.off(signal, listener);
      for (const signal of held.splice(0)) process.kill(process.pid, signal);
    },
  };
  (globalThis as { [KEY]?: Hold })[KEY] = hold;
}

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

// app.js is the bundle of main.ts next to this file (tsup.config.ts): a
// runtime require, so that it is compiled after the cache above is on.
module.createRequire(import.meta.url)('./app.js');
