// Durations in a services config: a number of milliseconds, or a string with
// a unit (`300ms`, `5s`, `1.5s`, `1m`), or several summed as compose and
// systemd write them (`1m30s`, `1h 30m`). A bare numeric string is rejected:
// "5" would be ms here and seconds on the command line, so it must say which.
import { MAX_DURATION_MS } from '../core/validate.js';

/** The longest duration, in whole hours, for messages: timers take at most 2^31 - 1 ms (596 h, about 24.8 days). */
export const MAX_DURATION_HOURS = Math.floor(MAX_DURATION_MS / 3_600_000);

/** What a config duration must be, for messages. */
export const DURATION_EXPECTED = `a duration up to ${MAX_DURATION_HOURS}h (milliseconds, or a string such as 300ms, 5s, 1m)`;

/** Milliseconds per accepted unit. */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)\s*/y;

/**
 * Parses a config duration into whole milliseconds; undefined when `value`
 * is not one (negative, not finite, unknown unit, too long).
 * @example parseServiceDuration('300ms') // 300
 * @example parseServiceDuration('1m30s') // 90000
 * @example parseServiceDuration(250)     // 250
 */
export function parseServiceDuration(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text.length === 0) return undefined;
    ms = 0;
    PART.lastIndex = 0;
    while (PART.lastIndex < text.length) {
      const match = PART.exec(text);
      if (match === null) return undefined;
      ms += Number(match[1]) * UNIT_MS[match[2]!]!;
    }
  } else {
    return undefined;
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) return undefined;
  return Math.round(ms);
}
