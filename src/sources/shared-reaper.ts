// Where Reaper.shared() lives: process-wide, so that every copy of exitmon in
// the process (the ESM and the CJS build, two installed copies) finds the same
// reaper under one registered symbol. The version guards the slot's shape: a
// copy that does not understand it keeps its own reaper instead of misreading
// it, and never overwrites a live slot of another version.
import type { ReaperOptions } from './reaper-options.js';

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
