// The pidfd side of the reaper: opens pidfds, arms one-shot readiness watches
// on the libuv loop and reads exit statuses, all through the native addon.
// Every -errno from the addon becomes a SyscallError here.
import type { NativeBinding, NativeWaitResult } from '../native/load.js';
import { ERRNO, syscallError } from './native-errors.js';

/** Called once when a watched pidfd becomes readable (status 0) or polling failed (< 0). */
export type ReadyHandler = (status: number) => void;

/** A waitid(2) answer: the status, "not exited yet", or an errno (e.g. ECHILD). */
export type WaitAnswer =
  | { readonly kind: 'exited'; readonly result: NativeWaitResult }
  | { readonly kind: 'running' }
  | { readonly kind: 'error'; readonly errno: number };

// One dispatcher per loaded addon: the addon calls it with (fd, status) and it
// routes to the handler of that fd. The routing table hangs off the binding
// object (which require() caches), so an ESM and a CJS copy of exitmon in one
// process share one dispatcher instead of replacing each other's. Handlers must
// not throw; if one does, the error becomes a process warning. The dispatcher
// itself never throws (the addon re-throws whatever escapes from the
// callback, nextTick and microtask queues included, as an uncaught exception:
// that must be user code, never ours).
const HANDLERS = Symbol.for('exitmon.pidfdHandlers');

// Describes any thrown value without throwing (String() throws on a
// null-prototype object, and a getter or toString can throw too).
function describe(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

function handlersOf(binding: NativeBinding): Map<number, ReadyHandler> {
  const holder = binding as NativeBinding & { [HANDLERS]?: Map<number, ReadyHandler> };
  const existing = holder[HANDLERS];
  if (existing !== undefined) return existing;
  const handlers = new Map<number, ReadyHandler>();
  binding.setDispatcher((fd, status) => {
    const handler = handlers.get(fd);
    handlers.delete(fd);
    if (handler === undefined) return;
    try {
      handler(status);
    } catch (error) {
      try {
        process.emitWarning(`exitmon: a pidfd readiness handler threw: ${describe(error)}`, 'ExitmonWarning');
      } catch {
        // Nothing sensible is left to do; never let it escape.
      }
    }
  });
  Object.defineProperty(holder, HANDLERS, { value: handlers });
  return handlers;
}

// Reads a waitid result from the addon's return value.
function answer(value: NativeWaitResult | number): WaitAnswer {
  if (typeof value === 'number') return { kind: 'error', errno: -value };
  return value.pid > 0 ? { kind: 'exited', result: value } : { kind: 'running' };
}

/** The pidfd operations the reaper uses, bound to one loaded addon. */
export class PidfdBackend {
  readonly #binding: NativeBinding;
  readonly #handlers: Map<number, ReadyHandler>;

  constructor(binding: NativeBinding) {
    this.#binding = binding;
    this.#handlers = handlersOf(binding);
  }

  // pidfd_open(2): returns the fd or the positive errno (ESRCH, EMFILE, …).
  open(pid: number): { fd: number } | { errno: number } {
    const rc = this.#binding.pidfdOpen(pid);
    return rc >= 0 ? { fd: rc } : { errno: -rc };
  }

  // Arms a one-shot readiness watch; throws a SyscallError when libuv refuses.
  watch(fd: number, onReady: ReadyHandler): void {
    const rc = this.#binding.watch(fd);
    if (rc < 0) throw syscallError('uv_poll_start', rc);
    this.#handlers.set(fd, onReady);
  }

  // Stops any watch and closes the fd. Safe to call once per opened fd.
  close(fd: number): void {
    this.#handlers.delete(fd);
    this.#binding.close(fd);
  }

  // waitid(P_PIDFD, fd, WEXITED|WNOHANG|WNOWAIT): reads the status, leaves the zombie.
  peek(fd: number): WaitAnswer {
    return answer(this.#binding.waitPidfd(fd, 1));
  }

  // Collects exactly this child (through fd when >= 0, else by pid) unless
  // node:child_process in any realm owns it or is spawning: then 'busy'.
  reapUnowned(pid: number, fd = -1): WaitAnswer | { readonly kind: 'busy' } {
    const rc = this.#binding.reapUnowned(pid, fd);
    if (rc === -ERRNO.EBUSY) return { kind: 'busy' };
    return answer(rc);
  }

  // poll(fd, POLLIN, 0): whether the pidfd's process exited (never reaps).
  ready(fd: number): boolean {
    return this.#binding.pidfdReady(fd) === 1;
  }

  // waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT): the first zombie child, left in place.
  peekAny(): WaitAnswer {
    return answer(this.#binding.peekAny());
  }

  // prctl(PR_SET_CHILD_SUBREAPER); throws a SyscallError on failure.
  setSubreaper(on: boolean): void {
    const rc = this.#binding.setSubreaper(on ? 1 : 0);
    if (rc < 0) throw syscallError('prctl', rc, 'PR_SET_CHILD_SUBREAPER');
  }

  // prctl(PR_GET_CHILD_SUBREAPER).
  isSubreaper(): boolean {
    const rc = this.#binding.getSubreaper();
    if (rc < 0) throw syscallError('prctl', rc, 'PR_GET_CHILD_SUBREAPER');
    return rc === 1;
  }
}
