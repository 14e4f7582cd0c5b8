// Where the benchmark files live, resolved from this module so the runner
// works from any working directory.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Scenario modules: bench/<name>.bench.ts. */
export const BENCH_DIR = path.join(ROOT, 'bench');
/** One JSON document per scenario, committed. */
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');
/** The generated report. */
export const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');
/** Charts linked from the report. */
export const CHARTS_DIR = path.join(ROOT, 'docs', 'benchmarks');
/** Suffix that marks a scenario module. */
export const SCENARIO_SUFFIX = '.bench.ts';
