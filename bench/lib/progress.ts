// Progress lines while a scenario runs, so a slow section is visible.
import { formatNumber } from './format.js';

// Runs one section of a scenario and logs how long it took (silent when tiny).
export async function section<T>(label: string, quiet: boolean, run: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await run();
  if (!quiet) console.log(`  · ${label}: ${formatNumber((performance.now() - t0) / 1000)} s`);
  return result;
}
