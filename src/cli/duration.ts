// Durations on the command line: the grammar of a services file (`300ms`,
// `2s`, `1.5s`, `1m`, `1h`, summed as `1m30s`), plus one difference: a plain
// number is seconds (`5`), the unit of `docker stop -t`, `timeout 5` and
// systemd's TimeoutStopSec=, so `--grace 5` means what people expect.
import { parseServiceDuration } from '../services/duration.js';

const SECONDS = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/**
 * Parses a command-line duration into milliseconds; undefined when the text is
 * not one (negative, empty, unknown unit, too long).
 * @example parseDuration('300ms') // 300
 * @example parseDuration('2')     // 2000
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  // A number of ms is a duration there: its range check and rounding apply to seconds too.
  return parseServiceDuration(SECONDS.test(trimmed) ? Number(trimmed) * 1000 : trimmed);
}

// Renders milliseconds for people: `850ms`, `1.20s`, `2m03s`.
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
