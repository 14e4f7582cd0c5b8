// This process's signal dispositions as the kernel reports them: SigIgn and
// SigCgt of /proc/self/status (proc(5); one bit per signal, bit n-1 for
// signal n). Read without the addon, on every runtime.
import { readFileSync } from 'node:fs';
import { PROC_ROOT } from './stat.js';

/** The signals ignored (SIG_IGN) and caught (a handler installed), as bit masks. */
export interface SignalMasks {
  readonly ignored: bigint;
  readonly caught: bigint;
}

/** This process's masks now; undefined without /proc. */
export function readSignalMasks(): SignalMasks | undefined {
  let text: string;
  try {
    text = readFileSync(`${PROC_ROOT}/self/status`, 'latin1');
  } catch {
    return undefined;
  }
  const ignored = /^SigIgn:\s*([0-9a-fA-F]+)$/m.exec(text)?.[1];
  const caught = /^SigCgt:\s*([0-9a-fA-F]+)$/m.exec(text)?.[1];
  if (ignored === undefined || caught === undefined) return undefined;
  return { ignored: BigInt(`0x${ignored}`), caught: BigInt(`0x${caught}`) };
}

/** Whether signal `signo` (1-64) is in `mask`. */
export function hasSignal(mask: bigint, signo: number): boolean {
  return signo >= 1 && signo <= 64 && ((mask >> BigInt(signo - 1)) & 1n) === 1n;
}
