// The `exitmon` executable (dist/cli/main.js). Kept tiny on purpose: it turns
// on V8's on-disk compile cache where the runtime has one (Node >= 22.1), so
// every module loaded after it, main.ts and the subcommand it loads, starts
// from cached code; then it hands over to main.ts.
import module from 'node:module';

// Not in Node 20, Bun or Deno: there the code is compiled afresh each start.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

await import('./main.js');
