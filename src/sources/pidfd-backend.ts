// The pidfd side of the reaper: opens pidfds and arms them in the addon's one
// epoll set; the addon collects every exit of a wakeup (reaping or peeking,
// as each watch says) and delivers the batch in one call, which this module
// routes to each fd's handler. Every -errno becomes a SyscallError here.
import { describeError } from '../core/process-warning.js';
import { EXIT_INTS, hostEventSource, EventSourceKind, type NativeBinding, type NativeWaitResult } from '../native/load.js';
import { ERRNO, syscallError } from './native-errors.js';

/** One collected exit: its status (and whether the addon reaped it), or the errno of its wait (ECHILD: not our child). */
export type CollectedExit =
  | { readonly kind: 'exited'; readonly result: NativeWaitResult; readonly reaped: boolean }
  | { readonly kind: 'error'; readonly errno: number };

/** Called once with the exit of a watched pidfd. */
export type ExitHandler = (exit: CollectedExit) => void;

/** A waitid(2) answer: the status, "not exited yet", or an errno (e.g. ECHILD). */
export type WaitAnswer =
  | { readonly kind: 'exited'; readonly result: NativeWaitResult }
  | { readonly kind: 'running' }
  | { readonly kind: 'error'; readonly errno: number };

const CLD_EXITED = 1;
const CLD_DUMPED = 3;

// One router per loaded addon, hung off the binding object (which require()
// caches), so an ESM and a CJS copy of exitmon share it. Handlers must not
// throw; if one does, the error becomes a process warning and the rest of
// the batch is still delivered.
const ROUTER = Symbol.for('exitmon.pidfdRouter.v1');

interface Router {
  readonly handlers: Map<number, ExitHandler>;
}

// Decodes entry i of a batch (layout: exitmon.c EXIT_*).
function decode(exits: Int32Array, i: number): CollectedExit {
  const pid = exits[i + 1]!;
  if (pid < 0) return { kind: 'error', errno: -pid };
  const how = exits[i + 2]!;
  const status = exits[i + 3]!;
  const result: NativeWaitResult = how === CLD_EXITED ? { pid, code: status } : { pid, signal: status, coreDumped: how === CLD_DUMPED };
  return { kind: 'exited', result, reaped: exits[i + 4] === 1 };
}

function routerOf(binding: NativeBinding): Router {
  const holder = binding as NativeBinding & { [ROUTER]?: Router };
  const existing = holder[ROUTER];
  if (existing !== undefined) return existing;
  const router: Router = { handlers: new Map() };
  const { handlers } = router;
  const dispatch = (exits: Int32Array, count: number): void => {
    for (let i = 0, end = count * EXIT_INTS; i < end; i += EXIT_INTS) {
      const fd = exits[i]!;
      const handler = handlers.get(fd);
      if (handler === undefined) continue;
      handlers.delete(fd);
      try {
        handler(decode(exits, i));
      } catch (error) {
        try {
          process.emitWarning(`exitmon: a pidfd exit handler threw: ${describeError(error)}`, 'ExitmonWarning');
        } catch {
          // Nothing sensible is left to do; never let it escape.
        }
      }
    }
  };
  const source = hostEventSource();
  let rc = binding.start(source, dispatch);
  // A host whose loop refuses the uv_poll (Node only: Bun and Deno get the thread at once) gets the thread.
  if (rc < 0 && source !== EventSourceKind.thread) rc = binding.start(EventSourceKind.thread, dispatch);
  if (rc < 0) throw syscallError('epoll_create1', rc, 'starting the pidfd event source');
  Object.defineProperty(holder, ROUTER, { value: router });
  return router;
}

// Reads a waitid result from the addon's return value.
function answer(value: NativeWaitResult | number): WaitAnswer {
  if (typeof value === 'number') return { kind: 'error', errno: -value };
  return value.pid > 0 ? { kind: 'exited', result: value } : { kind: 'running' };
}

/** The pidfd operations the reaper uses, bound to one loaded addon. */
export class PidfdBackend {
  readonly #binding: NativeBinding;
  readonly #handlers: Map<number, ExitHandler>;

  constructor(binding: NativeBinding) {
    this.#binding = binding;
    this.#handlers = routerOf(binding).handlers;
  }

  /** The loaded addon this backend runs on (one per installed copy of exitmon). */
  get binding(): NativeBinding {
    return this.#binding;
  }

  // pidfd_open(2): returns the fd or the positive errno (ESRCH, EMFILE, …).
  open(pid: number): { fd: number } | { errno: number } {
    const rc = this.#binding.pidfdOpen(pid);
    return rc >= 0 ? { fd: rc } : { errno: -rc };
  }

  // Arms a one-shot watch; its exit reaches onExit in the next batch. Throws a SyscallError when epoll refuses.
  watch(fd: number, pid: number, reap: boolean, onExit: ExitHandler): void {
    const rc = this.#binding.watch(fd, pid, reap ? 1 : 0);
    if (rc < 0) throw syscallError('epoll_ctl', rc);
    this.#handlers.set(fd, onExit);
  }

  // Collects an armed watch now if its process exited (the batch has not come yet); null while it runs.
  collect(fd: number): CollectedExit | null {
    const value = this.#binding.collect(fd);
    if (typeof value !== 'number') {
      this.#handlers.delete(fd);
      return decode(value, 0);
    }
    if (value === 0 || value === -ERRNO.EBADF) return null;
    return { kind: 'error', errno: -value };
  }

  // Closes the fd, which also drops it from the epoll set. Safe to call once per opened fd.
  close(fd: number): void {
    this.#handlers.delete(fd);
    this.#binding.close(fd);
  }

  // Reaps exactly this child unless a runtime in any thread owns it or is
  // spawning: then 'busy'. Through its pidfd when the caller holds one (a pid
  // freed by someone else's reap may already name a new child), else by pid.
  reapUnowned(pid: number, pidfd = -1): WaitAnswer | { readonly kind: 'busy' } {
    const rc = this.#binding.reapUnowned(pid, pidfd);
    if (rc === -ERRNO.EBUSY) return { kind: 'busy' };
    return answer(rc);
  }

  // waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT): the first zombie child, left in place.
  peekAny(): WaitAnswer {
    return answer(this.#binding.peekAny());
  }

  // Whether this process has no zombie child now (no child, or none exited):
  // the same WNOWAIT peek, which reaps nothing. False also when the peek failed.
  hasNoZombie(): boolean {
    const peeked = this.peekAny();
    return peeked.kind === 'running' || (peeked.kind === 'error' && peeked.errno === ERRNO.ECHILD);
  }

  // How many exit batches the addon delivered to JS in this thread.
  get batches(): number {
    return this.#binding.batches();
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
