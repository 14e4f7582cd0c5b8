// Process-wide facts about open reapers, shared by every copy of exitmon in
// the process (the ESM and CJS builds, two installed copies): which reaper
// publishes into a monitor (a copy that got the shared reaper from another
// must find it from its monitor: spawn()'s native engine needs it), and which
// addon each pidfd reaper runs on (a child must be spawned by the addon that
// will reap it: two installed copies load two addons, each with its own
// registry of owned pids).
import type { ExitMonitor } from '../core/monitor.js';
import { processWide } from '../core/process-wide.js';
import type { NativeBinding } from '../native/load.js';

/** What the registry needs of a reaper. */
export interface RegisteredReaper {
  readonly monitor: ExitMonitor;
  readonly closed: boolean;
}

const isWeakMap = <K extends object, V>(v: unknown): v is WeakMap<K, V> => v instanceof WeakMap;
const reapers = processWide('exitmon.reapersByMonitor.v1', () => new WeakMap<ExitMonitor, RegisteredReaper>(), isWeakMap<ExitMonitor, RegisteredReaper>);
const addons = processWide('exitmon.reaperAddons.v1', () => new WeakMap<RegisteredReaper, NativeBinding>(), isWeakMap<RegisteredReaper, NativeBinding>);

/** Records a new reaper: its monitor's reaper unless an open one is there, and its addon. */
export function registerReaper(reaper: RegisteredReaper, addon: NativeBinding | undefined): void {
  if (addon !== undefined) addons.set(reaper, addon);
  const current = reapers.get(reaper.monitor);
  if (current === undefined || current.closed) reapers.set(reaper.monitor, reaper);
}

/** Forgets a closing reaper as its monitor's reaper. */
export function unregisterReaper(reaper: RegisteredReaper): void {
  if (reapers.get(reaper.monitor) === reaper) reapers.delete(reaper.monitor);
}

/** The open reaper that publishes into `monitor`, if any. */
export function registeredReaper(monitor: ExitMonitor): RegisteredReaper | undefined {
  const reaper = reapers.get(monitor);
  return reaper !== undefined && !reaper.closed ? reaper : undefined;
}

/** The addon `reaper` runs on; undefined for a polling reaper. */
export function reaperAddon(reaper: RegisteredReaper): NativeBinding | undefined {
  return addons.get(reaper);
}
