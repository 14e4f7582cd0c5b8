// Makes dist/index.d.ts re-export dist/index.d.cts, so that the ESM and the
// CJS entry share one declaration of every class. tsup writes the same
// declarations twice; TypeScript then sees two unrelated ExitMonitor (and
// Reaper, …) classes, since a class with private fields is nominal, and a
// monitor made through require('exitmon') would not type-check where an
// import of 'exitmon' takes one, although at run time either copy accepts
// the other's (docs/api.md, "Two copies"). An ES module may import a
// CommonJS one, so the shared file is the .d.cts.
import { readFileSync, writeFileSync } from 'node:fs';

const esm = new URL('../dist/index.d.ts', import.meta.url);
const cjs = new URL('../dist/index.d.cts', import.meta.url);
const HEADER = '// The declarations live in index.d.cts, shared with the CommonJS entry (scripts/one-declaration.mjs).\n';

if (!readFileSync(cjs, 'utf8').includes('declare class ExitMonitor')) throw new Error('dist/index.d.cts holds no declarations: build first');
writeFileSync(esm, `${HEADER}export * from './index.cjs';\n`);
