// Where Reaper.shared() lives: process-wide, so that every copy of exitmon in
// the process (the ESM and the CJS build, two installed copies) finds the same
// reaper under one registered symbol. The version guards the slot's shape: a
// copy that does not understand it keeps its own reaper instead of misreading
// it, and never overwrites a live slot of another version.
import { ExitMonitorError } from '../core/errors.js';
import { differingOption, type ReaperOptions } from './reaper-options.js';

const SHARED_KEY = Symbol.for('exitmon.sharedReaper.v0');
const SHARED_VERSION = 1;

/** What the shared slot holds: the reaper and the checked options it was made with. */
export interface SharedReaper<R> {
  readonly version: number;
  readonly reaper: R;
  readonly options: Required<ReaperOptions>;
}

/** The process-wide slot of the shared reaper. */
export class SharedReaperSlot<R extends { readonly closed: boolean }> {
  #local: SharedReaper<R> | undefined;

  // The shared reaper of the process (of this copy when another version holds the global slot).
  get(): SharedReaper<R> | undefined {
    const slot = (globalThis as { [SHARED_KEY]?: SharedReaper<R> })[SHARED_KEY];
    return slot?.version === SHARED_VERSION ? slot : this.#local;
  }

  /**
   * The open shared reaper, if any. `wanted`: the checked options the caller
   * passed (undefined when it passed none, which fits any).
   * @throws ExitMonitorError ERR_SHARED_REAPER_OPTIONS when they differ from its own.
   */
  open(wanted: Required<ReaperOptions> | undefined): R | undefined {
    const slot = this.get();
    if (slot === undefined || slot.reaper.closed) return undefined;
    const differing = wanted === undefined ? undefined : differingOption(slot.options, wanted);
    if (differing !== undefined) {
      throw new ExitMonitorError(
        `Reaper.shared() exists already with other options (\`${differing}\` differs): pass the same options, none, or use new Reaper()`,
        'ERR_SHARED_REAPER_OPTIONS',
      );
    }
    return slot.reaper;
  }

  set(reaper: R, options: Required<ReaperOptions>): void {
    const slot: SharedReaper<R> = { version: SHARED_VERSION, reaper, options };
    this.#local = slot;
    const holder = globalThis as { [SHARED_KEY]?: SharedReaper<R> };
    const current = holder[SHARED_KEY];
    if (current === undefined || current.version === SHARED_VERSION || current.reaper.closed) {
      Object.defineProperty(holder, SHARED_KEY, { value: slot, configurable: true, writable: true, enumerable: false });
    }
  }
}
