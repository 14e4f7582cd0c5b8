// The current time on the clock that /proc/<pid>/stat's start times use:
// clock ticks since boot (proc(5), field 22 `starttime`, and /proc/uptime
// read the same boot-time clock, pid-namespace offsets included), so "did
// this process start before that moment?" is one comparison.
import { readFileSync } from 'node:fs';
import { PROC_ROOT } from './stat.js';

/**
 * Clock ticks per second of `starttime` (USER_HZ, `getconf CLK_TCK`): 100 on
 * every Linux architecture Node runs on (x86, arm, arm64, ppc64, s390x,
 * riscv64); the kernel keeps it at 100 whatever its internal HZ.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Now, in clock ticks since boot (rounded down), comparable with
 * `ProcStat.startTime`; undefined without /proc. /proc/uptime has two
 * decimals, exactly one tick.
 */
export function ticksSinceBoot(): number | undefined {
  let text: string;
  try {
    text = readFileSync(`${PROC_ROOT}/uptime`, 'latin1');
  } catch {
    return undefined;
  }
  const seconds = Number(text.slice(0, text.indexOf(' ')));
  return Number.isFinite(seconds) ? Math.floor(seconds * CLOCK_TICKS_PER_SECOND + 1e-6) : undefined;
}
