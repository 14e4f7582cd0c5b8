// Forwards every catchable asynchronous signal to one process group, the way
// tini and dumb-init do; this is the signal half of `exitmon run`.
//
// With the native addon the forwarding happens in a C signal handler
// (exitmon.c, "exitmon run: signal forwarding and the terminal"): it covers
// the real-time signals, which no runtime lets JavaScript listen to, costs no
// event-loop turn, and leaves no signal with its default (fatal) action.
// Without the addon the named signals are forwarded by runtime listeners.
import { constants } from 'node:os';
import { loadNative, type NativeBinding } from '../native/load.js';
import { readProcStat } from './proc-stat.js';
import { hasSignal } from '../proc/signal-masks.js';
import { ignoredAtLoad } from './start-dispositions.js';
import { ownLauncherValue } from './launcher-value.js';

/** The named signals `exitmon run` forwards (the real-time ones come on top, from libc's range). */
export const FORWARDED_SIGNAL_NAMES: readonly NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM', 'SIGPIPE',
  'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSTKFLT', 'SIGCONT',
  'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
];

/** Signals that, once forwarded, stop exitmon too (SIGCONT continues both). */
export const STOP_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGTSTP', 'SIGTTIN', 'SIGTTOU']);

/**
 * The environment variable the CLI's launcher line sets to `PID:MASK`, its
 * pid (which the exec keeps) and the SigIgn mask of /proc/self/status before
 * it execs the runtime: Node resets inherited SIG_IGN of signals 1-31 at
 * start-up (src/node.cc, PlatformInit), so only a mask recorded before the
 * exec tells that `nohup` ignored SIGHUP. Another pid's is ignored.
 */
export const START_SIGIGN_ENV = 'EXITMON_START_SIGIGN';

// What the runtimes set themselves before any user code: their start
// disposition is unknown without the launcher's mask, so they are forwarded.
const RUNTIME_IGNORED: ReadonlySet<NodeJS.Signals> = new Set(['SIGPIPE', 'SIGXFSZ']);
// What the kernel raises in this process for its own write (EPIPE, EFBIG):
// never forwarded from a runtime listener, which cannot see the sender.
const SELF_RAISED: ReadonlySet<NodeJS.Signals> = new Set(['SIGPIPE', 'SIGXFSZ']);
// Handlers found at start that belong to the runtime are replaced where they
// only exit, re-raise or start a debugger (Node's SIGINT/SIGTERM stdio reset
// and SIGUSR1 inspector, Deno's SIGHUP), but not under Bun: JavaScriptCore's
// garbage collector suspends threads with a signal (SIGPWR unless
// JSC_SIGNAL_FOR_GC says otherwise), and taking it would hang the process.
const RUNTIME_KEEPS_HANDLERS = (process.versions as { bun?: string }).bun !== undefined;
// How long setTarget() waits for the child to make its process group (a
// spawn may return before the child's setpgid ran), and how often it looks.
const GROUP_FORM_TIMEOUT_MS = 1000;
const GROUP_FORM_POLL_MS = 1;
const DISPOSITION_IGNORED = 1;
const DISPOSITION_CAUGHT = 2;

/** One signal `exitmon run` may forward, by number and name. */
export interface ForwardableSignal {
  readonly number: number;
  /** `SIGTERM`, or `SIGRTMIN+3` for real-time signals. */
  readonly name: string;
}

/** Every signal of FORWARDED_SIGNAL_NAMES this platform knows, plus libc's real-time range. */
export function forwardableSignals(native: NativeBinding | null = loadNative()): ForwardableSignal[] {
  const signals: ForwardableSignal[] = [];
  for (const name of FORWARDED_SIGNAL_NAMES) {
    const number = constants.signals[name];
    if (number !== undefined) signals.push({ number, name });
  }
  const range = native?.realtimeSignals?.();
  if (range !== undefined) {
    for (let n = range[0]; n <= range[1]; n++) signals.push({ number: n, name: `SIGRTMIN+${n - range[0]}` });
  }
  return signals;
}

/**
 * Signals to leave alone: ignored when this process started (they stay
 * ignored and are not forwarded, so `nohup exitmon run` works), or owned by
 * the runtime. Reads the launcher's mask when there is one, else asks
 * sigaction(2) now and takes what was ignored when exitmon was loaded too.
 */
export function signalsToLeaveAlone(native: NativeBinding | null = loadNative(), env: NodeJS.ProcessEnv = process.env): {
  ignored: Set<number>;
  runtimeOwned: Set<number>;
} {
  const ignored = new Set<number>();
  const runtimeOwned = new Set<number>();
  const mask = parseSigIgn(env[START_SIGIGN_ENV]);
  for (const { number, name } of forwardableSignals(native)) {
    const disposition = native?.signalIgnored?.(number) ?? 0;
    if (disposition === DISPOSITION_CAUGHT && RUNTIME_KEEPS_HANDLERS) runtimeOwned.add(number);
    // Without the launcher's mask: ignored now, or when exitmon was loaded
    // (Deno drops an inherited SIG_IGN of SIGHUP and SIGINT once any
    // listener is added, the CLI's SIGCHLD one say).
    const startIgnored =
      mask !== undefined && number <= 64
        ? hasSignal(mask, number)
        : (disposition === DISPOSITION_IGNORED || ignoredAtLoad(number)) && !RUNTIME_IGNORED.has(name as NodeJS.Signals);
    if (startIgnored) ignored.add(number);
  }
  return { ignored, runtimeOwned };
}

// "PID:0000000000001000" (hex, bit n-1 for signal n) → bigint; undefined when
// absent, malformed, or recorded by another process (a stale variable).
function parseSigIgn(value: string | undefined): bigint | undefined {
  const mask = ownLauncherValue(value, ':');
  return mask !== undefined && /^[0-9a-fA-F]{1,16}$/.test(mask) ? BigInt(`0x${mask}`) : undefined;
}

/** Options of a SignalForwarder. */
export interface SignalForwarderOptions {
  /** Signal numbers not to touch: the runtime's own (see signalsToLeaveAlone). */
  readonly leaveAlone?: ReadonlySet<number>;
  /**
   * Signal numbers to ignore instead of forwarding: those ignored at start.
   * They are set to SIG_IGN again, because Node resets them to the default
   * action at start-up, which would let `nohup`'s SIGHUP kill exitmon.
   */
  readonly ignore?: ReadonlySet<number>;
  /** Called after a signal was forwarded by a runtime listener (the native path reports through counts). */
  readonly onForward?: (signal: string, pgid: number) => void;
}

/**
 * Forwards signals to one process group. Install with `start()` before the
 * command starts (signals that arrive before `setTarget()` are held, one of
 * each, and sent then), and `close()` to restore the dispositions.
 */
export class SignalForwarder {
  readonly #native: NativeBinding | null;
  readonly #signals: ForwardableSignal[];
  readonly #ignored: ForwardableSignal[];
  readonly #listeners = new Map<NodeJS.Signals, () => void>();
  readonly #jsCounts = new Map<string, number>();
  readonly #pendingJs = new Set<NodeJS.Signals>();
  readonly #onForward: ((signal: string, pgid: number) => void) | undefined;
  #target = 0;
  #started = false;
  #formTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SignalForwarderOptions = {}) {
    const native = loadNative();
    this.#native = native?.forwardSignal !== undefined && native.setForwardTarget !== undefined ? native : null;
    const leaveAlone = options.leaveAlone ?? new Set<number>();
    const ignore = options.ignore ?? new Set<number>();
    const all = forwardableSignals(this.#native).filter((s) => !leaveAlone.has(s.number));
    this.#signals = all.filter((s) => !ignore.has(s.number));
    this.#ignored = all.filter((s) => ignore.has(s.number));
    this.#onForward = options.onForward;
  }

  /** True when signals are forwarded from a C handler (the addon is loaded). */
  get native(): boolean {
    return this.#native !== null;
  }

  /** The signals this forwarder ignores. */
  get ignored(): readonly ForwardableSignal[] {
    return this.#ignored;
  }

  /** The signals this forwarder forwards. */
  get signals(): readonly ForwardableSignal[] {
    return this.#signals;
  }

  /** Installs the handlers. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const native = this.#native;
    if (native !== null) {
      native.setForwardTarget!(0, -1);
      for (const { number } of this.#signals) native.forwardSignal!(number, 1);
      for (const { number } of this.#ignored) native.forwardSignal!(number, 2);
      return;
    }
    // Without the addon an ignored signal gets a listener that does nothing:
    // not SIG_IGN, but not fatal either. So do SIGPIPE and SIGXFSZ
    // (SELF_RAISED): a listener cannot tell ours from a sender's; the addon's
    // handler can.
    for (const { name } of [...this.#signals, ...this.#ignored]) {
      if (!(name in constants.signals)) continue;
      const signal = name as NodeJS.Signals;
      const forward = this.#signals.some((s) => s.name === name) && !SELF_RAISED.has(signal);
      const listener = forward ? (): void => this.#forwardFromListener(signal) : (): void => {};
      this.#listeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  /**
   * The group to forward to from now on. With `terminalFd`, a SIGCONT that
   * finds our group in the terminal's foreground hands it to `pgid` first
   * (after `fg` resumed exitmon). Sends what was held.
   */
  setTarget(pgid: number, terminalFd = -1): void {
    clearTimeout(this.#formTimer);
    const deadline = Date.now() + GROUP_FORM_TIMEOUT_MS;
    const apply = (): void => {
      // kill(-pgid) before the group exists fails (ESRCH) and the signal is
      // lost: until then signals stay held. A leader already gone is final.
      const leader = readProcStat(pgid);
      if (leader !== null && leader.pgrp !== pgid && Date.now() < deadline && this.#started) {
        this.#formTimer = setTimeout(apply, GROUP_FORM_POLL_MS).unref();
        return;
      }
      this.#applyTarget(pgid, terminalFd);
    };
    apply();
  }

  #applyTarget(pgid: number, terminalFd: number): void {
    this.#target = pgid;
    if (this.#native !== null) {
      this.#native.setForwardTarget!(pgid, terminalFd);
      return;
    }
    for (const signal of this.#pendingJs) this.#forwardFromListener(signal);
    this.#pendingJs.clear();
  }

  /**
   * How many SIGCONT hand-overs (terminal, then the group's SIGCONT) the C
   * handler has begun and ended, in any thread; undefined without the addon,
   * where a runtime listener forwards on the main thread.
   */
  continues(): { begun: number; ended: number } | undefined {
    const native = this.#native;
    if (native?.continuesBegun === undefined || native.continuesEnded === undefined) return undefined;
    // Ended first: a hand-over that ends between the two reads then shows as under way, never the reverse.
    const ended = native.continuesEnded();
    return { begun: native.continuesBegun(), ended };
  }

  /** How often each signal was forwarded, by name (only signals forwarded at least once). */
  counts(): Map<string, number> {
    if (this.#native === null) return new Map(this.#jsCounts);
    const counts = new Map<string, number>();
    for (const { number, name } of this.#signals) {
      const n = this.#native.forwardedCount!(number);
      if (n > 0) counts.set(name, n);
    }
    return counts;
  }

  /** Restores every disposition it changed. Idempotent. */
  close(): void {
    if (!this.#started) return;
    this.#started = false;
    clearTimeout(this.#formTimer);
    if (this.#native !== null) {
      for (const { number } of [...this.#signals, ...this.#ignored]) this.#native.forwardSignal!(number, 0);
      this.#native.setForwardTarget!(0, -1);
    }
    for (const [signal, listener] of this.#listeners) process.off(signal, listener);
    this.#listeners.clear();
  }

  // The fallback path: a runtime listener, one loop turn after the signal.
  #forwardFromListener(signal: NodeJS.Signals): void {
    const pgid = this.#target;
    if (!(pgid > 1)) {
      this.#pendingJs.add(signal);
      return;
    }
    try {
      process.kill(-pgid, signal);
      this.#jsCounts.set(signal, (this.#jsCounts.get(signal) ?? 0) + 1);
      this.#onForward?.(signal, pgid);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    if (STOP_SIGNALS.has(signal)) process.kill(process.pid, 'SIGSTOP');
  }
}
