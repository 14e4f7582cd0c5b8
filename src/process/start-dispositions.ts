// The signal dispositions this process had when exitmon was first loaded in
// it, before exitmon or anything after it added a listener. Later they no
// longer tell: Deno replaces an inherited SIG_IGN of SIGHUP and SIGINT with
// its own handler as soon as any signal listener is added (Deno 2.9), and a
// handler that Deno.addSignalListener installed before exitmon was loaded is
// invisible to process.listenerCount. Shared by every copy of exitmon in the
// process (the earliest snapshot wins).
import { processWide } from '../core/process-wide.js';
import { hasSignal, readSignalMasks, type SignalMasks } from '../proc/signal-masks.js';

interface Snapshot {
  readonly masks: SignalMasks | undefined;
}

const snapshot = processWide<Snapshot>(
  'exitmon.startDispositions.v1',
  () => ({ masks: readSignalMasks() }),
  (value): value is Snapshot => typeof value === 'object' && value !== null && 'masks' in value,
);

/** Whether `signo` was ignored (SIG_IGN) when exitmon was loaded: `nohup`'s SIGHUP, say. */
export function ignoredAtLoad(signo: number): boolean {
  return snapshot.masks !== undefined && hasSignal(snapshot.masks.ignored, signo);
}

/** Whether `signo` had a handler when exitmon was loaded (the runtime's, or the host's). */
export function caughtAtLoad(signo: number): boolean {
  return snapshot.masks !== undefined && hasSignal(snapshot.masks.caught, signo);
}
