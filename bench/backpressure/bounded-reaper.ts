// The baseline's reaper loop, as in the design under comparison: on SIGCHLD it
// lists this process's zombie children (the same /proc scan exitmon's orphan
// sweep uses), reaps one with waitid(P_PID) (the same addon call), and awaits
// the blocking publish before it reaps the next. libuv's children are skipped,
// as exitmon skips them.
import { probeNativeBinding, type NativeBinding } from '../../src/native/load.js';
import { isOwnedByRuntime as isOwnedByChildProcess } from '../../src/sources/ownership.js';
import { zombieChildren as zombieChildrenOf } from '../../src/proc/tree.js';

const zombieChildren = (): Map<number, unknown> => new Map(zombieChildrenOf(process.pid).map((p) => [p.pid, p]));
import type { BoundedMonitor } from './bounded-monitor.js';
import { monoMs } from './clock.js';

// The exitmon addon, or a clear error: the scenario needs the pidfd backend.
export function nativeBinding(): NativeBinding {
  const probe = probeNativeBinding();
  if (probe.binding === null) throw new Error(`The backpressure scenario needs exitmon's native addon: ${probe.reason}`);
  return probe.binding;
}

// Reaps every zombie child that libuv does not own, publishing nothing;
// returns how many it reaped (cleanup after a stalled run).
export function reapLeftovers(binding: NativeBinding): number {
  let reaped = 0;
  for (const pid of zombieChildren().keys()) {
    if (isOwnedByChildProcess(pid)) continue;
    const result = binding.reapUnowned(pid, -1);
    if (typeof result !== 'number' && result.pid !== 0) reaped++;
  }
  return reaped;
}

/** Reaps orphans one at a time, each behind the previous one's publish. */
export class BoundedReaper {
  readonly #binding = nativeBinding();
  readonly #onSignal = (): void => this.#kick();
  #running = false;
  #again = false;
  #stopped = false;

  constructor(
    readonly monitor: BoundedMonitor,
    /** Called right after each reap with the pid and monoMs(). */
    readonly onReap: (pid: number, reapedMs: number) => void,
    readonly onPublished: (seq: number) => void,
  ) {}

  start(): void {
    process.on('SIGCHLD', this.#onSignal);
    this.#kick();
  }

  // Stops after the current publish; the zombies it did not reach stay.
  stop(): void {
    this.#stopped = true;
    process.off('SIGCHLD', this.#onSignal);
  }

  // Starts the loop, or asks the running one for another pass.
  #kick(): void {
    if (this.#running) this.#again = true;
    else void this.#loop();
  }

  // The reaper loop: reap one, await its publish, reap the next.
  async #loop(): Promise<void> {
    this.#running = true;
    do {
      this.#again = false;
      for (const pid of zombieChildren().keys()) {
        if (this.#stopped) break;
        if (isOwnedByChildProcess(pid)) continue;
        const result = this.#binding.reapUnowned(pid, -1);
        if (typeof result === 'number' || result.pid === 0) continue;
        this.onReap(pid, monoMs());
        await this.monitor.publish({ pid, code: result.code ?? null, signal: null, status: result.code ?? -1, outcome: 'reaped' }, this.onPublished);
      }
    } while (this.#again && !this.#stopped);
    this.#running = false;
  }
}
