// What makes `exitmon run` behave like tini and dumb-init towards signals and
// the terminal: every catchable signal forwarded to the command's group
// (none fatal to exitmon), signals ignored at start left ignored, the
// terminal handed to the command and taken back, and a stopped command
// (Ctrl-Z) stopping exitmon too, so the shell above sees the job stop.
import { constants } from 'node:os';
import type { Logger as PinoLogger } from 'pino';
import { listProcesses, readProcessState, type ManagedProcess } from '../index.js';
import { ownProcessGroup } from '../process/proc-stat.js';
import { SignalForwarder, signalsToLeaveAlone, START_SIGIGN_ENV } from '../process/signal-forwarder.js';
import { inTerminalForeground, isControllingTerminal, setTerminalForegroundGroup, terminalForegroundGroup } from '../process/terminal.js';

/** The terminal exitmon hands over: its stdin. */
export const TERMINAL_FD = 0;

/** Signals, the terminal and stops of one supervised command. */
export class JobControl {
  readonly #logger: PinoLogger;
  readonly #forwarder: SignalForwarder;
  readonly #ignored: ReadonlySet<number>;
  readonly #foreground: boolean;
  // Our controlling terminal on stdin, foreground or not: started in the
  // background (`exitmon run … &`), exitmon hands it over once `fg` gives it
  // the terminal (the SIGCONT of fg), and follows the command's stops.
  readonly #terminal: boolean;
  #main: ManagedProcess | undefined;
  #handedOver = false;
  #onChild: (() => void) | undefined;

  // Reads what was ignored at start (startSigIgn: the launcher's mask, see
  // CliContext), then installs the forwarding at once, so that a signal
  // arriving while the command starts is held, not lost or fatal.
  constructor(logger: PinoLogger, startSigIgn: string | undefined) {
    this.#logger = logger;
    const { ignored, runtimeOwned } = signalsToLeaveAlone(undefined, startSigIgn === undefined ? {} : { [START_SIGIGN_ENV]: startSigIgn });
    this.#ignored = ignored;
    this.#forwarder = new SignalForwarder({
      leaveAlone: runtimeOwned,
      ignore: ignored,
      onForward: (signal, pgid) => this.#logForward(signal, pgid),
    });
    this.#forwarder.start();
    this.#foreground = inTerminalForeground(TERMINAL_FD);
    this.#terminal = this.#foreground || isControllingTerminal(TERMINAL_FD);
    if (ignored.size > 0) this.#logger.debug({ ignored: [...ignored] }, 'signals ignored at start stay ignored and are not forwarded');
    if (runtimeOwned.size > 0) this.#logger.debug({ runtimeOwned: [...runtimeOwned] }, 'signals the runtime handles itself are not forwarded');
    if (!this.#forwarder.native) this.#logger.debug('no native addon: named signals are forwarded by runtime listeners; real-time signals are not');
  }

  /** Whether signals are forwarded by native handlers (else by runtime listeners). */
  get nativeForwarding(): boolean {
    return this.#forwarder.native;
  }

  /** The spawn options that carry this job control into the command. */
  spawnOptions(): { foreground?: boolean; ignoredSignals?: NodeJS.Signals[] } {
    const names = Object.entries(constants.signals)
      .filter(([, number]) => this.#ignored.has(number))
      .map(([name]) => name as NodeJS.Signals);
    return { ...(this.#foreground ? { foreground: true } : {}), ...(names.length > 0 ? { ignoredSignals: names } : {}) };
  }

  // The command started: forward to its group, make sure it holds the
  // terminal (the child does it too; like a shell, both sides try, so the
  // order of their first steps does not matter), and watch for its stops.
  attach(main: ManagedProcess): void {
    this.#main = main;
    const pgid = main.pgid;
    if (pgid === undefined) return;
    this.#forwarder.setTarget(pgid, this.#terminal ? TERMINAL_FD : -1);
    if (this.#foreground) {
      // The child may not have made its group yet (EPERM here): it does the
      // same itself, so the terminal counts as handed over either way.
      const rc = setTerminalForegroundGroup(TERMINAL_FD, pgid);
      if (rc !== 0) this.#logger.debug({ errno: -rc, pgid }, 'the terminal is handed over by the child');
    }
    // In the background it is handed over by the SIGCONT of `fg` (the
    // forwarder), and taken back at the end only from the command's group.
    this.#handedOver = this.#terminal;
    if (this.#handedOver) {
      this.#onChild = () => this.#followStop();
      process.on('SIGCHLD', this.#onChild);
    }
  }

  // The command exited: take the terminal back when it (or a group it made)
  // still holds it and nothing of that group is alive, so the shell that
  // started exitmon gets a working terminal.
  detach(): void {
    if (this.#onChild !== undefined) process.off('SIGCHLD', this.#onChild);
    this.#onChild = undefined;
    if (!this.#handedOver) return;
    this.#handedOver = false;
    // One tcgetpgrp and one read of our own group: holding the terminal already is holder === ownGroup.
    const holder = terminalForegroundGroup(TERMINAL_FD);
    const ownGroup = ownProcessGroup();
    // Our group outside our pid namespace (0: PID 1 under unshare): the job
    // that started us takes the terminal back when it ends.
    if (holder === undefined || ownGroup === undefined || ownGroup < 1 || holder === ownGroup) return;
    if (holder !== this.#main?.pgid && groupAlive(holder)) return; // not ours to take (exitmon was put in the background)
    const rc = setTerminalForegroundGroup(TERMINAL_FD, ownGroup);
    if (rc !== 0) this.#logger.warn({ errno: -rc }, 'could not take the terminal back');
  }

  /** Restores every signal disposition and logs what was forwarded. */
  close(): void {
    this.detach();
    const pgid = this.#main?.pgid;
    if (this.#forwarder.native && pgid !== undefined) {
      for (const [signal, count] of this.#forwarder.counts()) this.#logForward(signal, pgid, count);
    }
    this.#forwarder.close();
  }

  // Ctrl-Z stopped the command (it holds the terminal, so exitmon got no
  // SIGTSTP), or, started in the background, it read the terminal (SIGTTIN):
  // stop exitmon too, as dumb-init does, so that the job-control shell above
  // sees the job stop and takes the terminal back; its SIGCONT (`fg`) reaches
  // the forwarder, which hands the terminal over and continues the group.
  // Not while our own group holds the terminal: `fg` just gave it to us, and
  // the SIGCONT it sent is on its way to the forwarder (a handler that may run
  // on another thread after this one resumed), which hands the terminal over
  // and continues the command. Following the command's old stop then stopped
  // the job again at once, with the shell showing it stopped after `fg`.
  // Nor while such a hand-over is under way, or began while we looked: the
  // terminal may already be the command's while the command still shows the
  // stop its SIGCONT is about to end (or did end after we read it).
  #followStop(): void {
    const main = this.#main;
    if (main === undefined) return;
    const before = this.#forwarder.continues();
    if (before !== undefined && before.begun !== before.ended) return;
    if (readProcessState(main.pid) !== 'stopped') return;
    const ownGroup = ownProcessGroup();
    if (ownGroup !== undefined && terminalForegroundGroup(TERMINAL_FD) === ownGroup) return;
    if (before !== undefined && this.#forwarder.continues()?.begun !== before.begun) return;
    this.#logger.debug({ childPid: main.pid }, 'the command stopped: stopping exitmon too');
    process.kill(process.pid, 'SIGSTOP');
  }

  #logForward(signal: string, pgid: number, count = 1): void {
    // SIGWINCH comes with every terminal resize: not worth an info line.
    const level = signal === 'SIGWINCH' || signal === 'SIGCHLD' ? 'debug' : 'info';
    const times = count > 1 ? ` (${count} times)` : '';
    this.#logger[level]({ signal, pgid, count }, `forwarded ${signal} to process group ${pgid}${times}`);
  }
}

// True while some process of group pgid is alive (zombies do not count).
function groupAlive(pgid: number): boolean {
  return listProcesses().some((p) => p.pgrp === pgid && p.state !== 'zombie' && p.state !== 'dead');
}
