// Reads and writes bench/results/<scenario>.json, the committed figures from
// which docs/benchmarks.md is regenerated.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR } from './paths.js';
import type { ScenarioRecord } from './types.js';

// Writes one scenario's record, replacing its previous one.
export function writeRecord(record: ScenarioRecord, dir: string = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.scenario}.json`);
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  return file;
}

// Every record present, sorted by scenario name; a malformed file is skipped
// with a warning rather than blocking the report.
export function readRecords(dir: string = RESULTS_DIR): ScenarioRecord[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const records: ScenarioRecord[] = [];
  for (const file of files.sort()) {
    try {
      const record = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as ScenarioRecord;
      if (typeof record.scenario === 'string' && Array.isArray(record.metrics)) records.push(record);
      else console.warn(`bench: ${file} is not a scenario record; skipped`);
    } catch (error) {
      console.warn(`bench: cannot read ${file}: ${(error as Error).message}; skipped`);
    }
  }
  return records;
}
