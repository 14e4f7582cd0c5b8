// Normalises the three places an exit status comes from (waitid via the addon,
// the raw wait status in /proc/<pid>/stat, a ChildProcess 'exit' event) into
// the fields of an ExitInit.
import type { ExitInit } from '../core/exit-event.js';
import { SIGNAL_NUMBERS, signalName } from '../core/signals.js';
import type { NativeWaitResult } from '../native/load.js';

/** The status part of an ExitInit. */
export type ExitStatus = Required<Pick<ExitInit, 'code' | 'signal' | 'status' | 'coreDumped'>>;

/** The status of a process whose status is not ours to read. */
export const UNKNOWN_STATUS: ExitStatus = Object.freeze({ code: null, signal: null, status: -1, coreDumped: false });

// Signal numbers without a name (real-time signals) still give 128 + n.
function fromSignal(signo: number, coreDumped: boolean): ExitStatus {
  return { code: null, signal: signalName(signo) ?? null, status: 128 + signo, coreDumped };
}

/** From waitid(2) as returned by the addon (pid > 0). */
export function fromWaitResult(result: NativeWaitResult): ExitStatus {
  if (result.code !== undefined) return { code: result.code, signal: null, status: result.code, coreDumped: false };
  return fromSignal(result.signal ?? 0, result.coreDumped === true);
}

/** From a raw waitpid(2) status word, as in field 52 of /proc/<pid>/stat. */
export function fromRawWaitStatus(raw: number): ExitStatus {
  const signo = raw & 0x7f;
  if (signo === 0) {
    const code = (raw >> 8) & 0xff;
    return { code, signal: null, status: code, coreDumped: false };
  }
  return fromSignal(signo, (raw & 0x80) !== 0);
}

/** From the arguments of a ChildProcess 'exit' event (no core dump flag there). */
export function fromChildExit(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  if (code !== null) return { code, signal: null, status: code, coreDumped: false };
  const signo = signal === null ? undefined : SIGNAL_NUMBERS[signal];
  return signo === undefined ? UNKNOWN_STATUS : fromSignal(signo, false);
}
