// Runs one scenario in this process and turns its result into a record.
import { commandFor } from './args.js';
import { captureEnvironment } from './env.js';
import type { Profile, Scenario, ScenarioRecord } from './types.js';

// Runs `scenario` with `profile` and stamps the result with environment and command.
export async function executeScenario(scenario: Scenario, profile: Profile): Promise<ScenarioRecord> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const result = await scenario.run(profile);
  return {
    scenario: scenario.name,
    title: scenario.title,
    goalSummary: scenario.goalSummary,
    profile,
    command: commandFor(scenario.name, profile),
    startedAt,
    durationMs: Math.round(performance.now() - t0),
    environment: captureEnvironment(),
    ...result,
  };
}
