// Durations on the command line: `300ms`, `2s`, `1.5s`, `1m`, or a plain
// number of seconds (`5`), the unit of `docker stop -t`, `timeout 5` and
// systemd's TimeoutStopSec=, so `--grace 5` means what people expect.

/** Milliseconds per accepted unit; a bare number is in seconds. */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/** The longest duration accepted: setTimeout's limit (about 24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)?$/;

/**
 * Parses a command-line duration into milliseconds; undefined when the text is
 * not one (negative, empty, unknown unit, too long).
 * @example parseDuration('300ms') // 300
 * @example parseDuration('2')     // 2000
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) return undefined;
  return Math.round(ms);
}

// Renders milliseconds for people: `850ms`, `1.20s`, `2m03s`.
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
