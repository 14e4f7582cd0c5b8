// Keeps the benchmark scripts from rotting: every bench/*.bench.ts scenario
// runs at its tiny size and its result renders into a report, without
// touching bench/results or docs/. No assertion on speed.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, scenarioNames } from '../../bench/lib/discover.js';
import { generateDocs } from '../../bench/lib/docs.js';
import { executeScenario } from '../../bench/lib/execute.js';
import { parseArgs } from '../../bench/lib/args.js';
import type { ScenarioRecord } from '../../bench/lib/types.js';

const SCENARIO_TIMEOUT_MS = 20_000;
const names = scenarioNames();
const records: ScenarioRecord[] = [];
const outDir = mkdtempSync(path.join(tmpdir(), 'exitmon-bench-smoke-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('benchmark scenarios at the tiny size', () => {
  it('discovers the dispatch and backpressure scenarios among bench/*.bench.ts', () => {
    expect(names).toContain('dispatch');
    expect(names).toContain('backpressure');
  });

  for (const name of names) {
    it(`${name} runs and yields finite figures`, async () => {
      const record = await executeScenario(await loadScenario(name), 'tiny');
      expect(record.metrics.length).toBeGreaterThan(0);
      for (const m of record.metrics) {
        expect(Number.isFinite(m.value), `${m.name} · ${m.subject}`).toBe(true);
        if (m.goal !== undefined) expect(typeof m.met).toBe('boolean');
        if (m.cause !== undefined) expect(m.met, `${m.name} · ${m.subject} has a cause but no missed goal`).toBe(false);
      }
      for (const d of record.distributions ?? []) {
        for (const s of d.series) expect(s.count).toBeGreaterThan(0);
      }
      records.push(record);
    }, SCENARIO_TIMEOUT_MS);
  }

  it('renders every result into a report with one chart per distribution', () => {
    const docsFile = path.join(outDir, 'benchmarks.md');
    const chartsDir = path.join(outDir, 'charts');
    generateDocs(records, { docsFile, chartsDir });
    const markdown = readFileSync(docsFile, 'utf8');
    expect(markdown).toContain('**How to read this page.**');
    expect(markdown).toContain('**How to re-run.**');
    for (const record of records) {
      expect(markdown).toContain(`## ${record.title}`);
      expect(markdown).toContain(record.command);
    }
    const charts = readdirSync(chartsDir);
    const expected = records.reduce((n, r) => n + (r.distributions?.length ?? 0), 0);
    expect(charts).toHaveLength(expected);
    for (const chart of charts) expect(readFileSync(path.join(chartsDir, chart), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n$/);
  });
});

describe('bench command line', () => {
  it('parses --full and scenario names, and rejects unknown flags', () => {
    expect(parseArgs(['--full', 'dispatch'])).toMatchObject({ profile: 'full', names: ['dispatch'] });
    expect(parseArgs([])).toMatchObject({ profile: 'quick', names: [] });
    expect(() => parseArgs(['--fast'])).toThrow(RangeError);
  });
});
