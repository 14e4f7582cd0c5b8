// The contract between the runner and a scenario module (bench/<name>.bench.ts).

/** How long a scenario runs: tiny for the smoke test, quick for `npm run bench`, full for `--full`. */
export type Profile = 'tiny' | 'quick' | 'full';

/** One measured figure, as one row of a scenario's table. */
export interface Metric {
  /** What was measured, e.g. `throughput, streamed, 1 subscriber`. */
  name: string;
  /** Which implementation the figure belongs to, e.g. `exitmon`, `node:events`. */
  subject: string;
  value: number;
  /** e.g. `events/s`, `ns/publish`, `bytes/event`, `ms`, `×`. */
  unit: string;
  /** Problem size behind the figure, e.g. 1000000 events. */
  size?: number;
  /** The subject this row is compared with (measured in the same run). */
  baseline?: string;
  /** value / baseline's value (same unit, same run): 0.4× throughput, 1.1× cost. */
  ratio?: number;
  /** The goal this row is judged on, in words, e.g. `≥ 0.3× rxjs Subject.next`. */
  goal?: string;
  /** Whether the goal is met; undefined when the row carries no goal. */
  met?: boolean;
  /** Short remark shown in the table (caps, caveats). */
  note?: string;
  /** When the goal is missed: the cause found, in a few words (details go in the notes). */
  cause?: string;
}

/** One series of a latency distribution: percentile → value, for a CDF chart. */
export interface LatencySeries {
  subject: string;
  /** [percentile 0..100, latency in µs] pairs, ascending. */
  points: [number, number][];
  count: number;
}

/** A latency distribution, exitmon against its baselines, drawn as one SVG chart. */
export interface Distribution {
  /** File-name-safe id; the chart goes to docs/benchmarks/<scenario>-<metric>.svg. */
  metric: string;
  title: string;
  /** Series values are always in µs; the chart picks readable labels. */
  unit: 'µs';
  series: LatencySeries[];
  note?: string;
}

/** What a scenario's run() returns; the runner adds the environment and writes JSON. */
export interface ScenarioResult {
  metrics: Metric[];
  distributions?: Distribution[];
  /** Paragraphs shown under the table: method, caps, analysis of missed goals. */
  notes?: string[];
}

/** A scenario module exports `scenario` of this shape. */
export interface Scenario {
  /** File-name-safe id, equal to the module's basename (dispatch for dispatch.bench.ts). */
  name: string;
  title: string;
  /** The goals in one or two sentences, shown at the top of the section. */
  goalSummary: string;
  run(profile: Profile): Promise<ScenarioResult>;
}

/** The machine a result was measured on. */
export interface Environment {
  node: string;
  v8: string;
  platform: string;
  kernel: string;
  arch: string;
  cpu: string;
  cpus: number;
  totalMemoryMiB: number;
}

/** The JSON document written to bench/results/<scenario>.json. */
export interface ScenarioRecord extends ScenarioResult {
  scenario: string;
  title: string;
  goalSummary: string;
  profile: Profile;
  command: string;
  startedAt: string;
  durationMs: number;
  environment: Environment;
}
