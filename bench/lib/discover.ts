// Finds scenario modules by globbing bench/*.bench.ts, so a new scenario only
// has to exist to be run, documented and smoke-tested.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, SCENARIO_SUFFIX } from './paths.js';
import type { Scenario } from './types.js';

// Scenario names (file basenames without .bench.ts), sorted.
export function scenarioNames(dir: string = BENCH_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(SCENARIO_SUFFIX))
    .map((file) => file.slice(0, -SCENARIO_SUFFIX.length))
    .sort();
}

// Imports bench/<name>.bench.ts and checks that it exports a usable `scenario`.
export async function loadScenario(name: string, dir: string = BENCH_DIR): Promise<Scenario> {
  const file = path.join(dir, name + SCENARIO_SUFFIX);
  const module = (await import(pathToFileURL(file).href)) as { scenario?: Partial<Scenario> };
  const scenario = module.scenario;
  if (scenario === undefined || typeof scenario.run !== 'function' || typeof scenario.title !== 'string') {
    throw new TypeError(`Expected ${file} to export \`scenario\` ({ name, title, goalSummary, run }), got ${typeof scenario}`);
  }
  if (scenario.name !== name) {
    throw new RangeError(`Expected the scenario in ${file} to be named \`${name}\`, got \`${String(scenario.name)}\``);
  }
  return scenario as Scenario;
}
