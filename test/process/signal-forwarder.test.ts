// The pieces of `exitmon run`'s signal handling that can be pinned in-process:
// which signals are forwarded, how the start-up SigIgn mask is read, and the
// native sigaction / terminal queries. End-to-end behaviour: test/cli/run-signals.test.ts.
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native/load.js';
import { spawn } from 'node:child_process';
import { FORWARDED_SIGNAL_NAMES, forwardableSignals, SignalForwarder, signalsToLeaveAlone, START_SIGIGN_ENV } from '../../src/process/signal-forwarder.js';
import { terminalForegroundGroup } from '../../src/process/terminal.js';

const native = loadNative();
const { SIGHUP, SIGPIPE, SIGUSR2, SIGXFSZ } = constants.signals;

describe('forwardableSignals', () => {
  it('lists every named signal of the contract and, with the addon, the real-time range of libc', () => {
    const signals = forwardableSignals();
    for (const name of FORWARDED_SIGNAL_NAMES) expect(signals.map((s) => s.name)).toContain(name);
    if (native !== null) {
      expect(signals.find((s) => s.name === 'SIGRTMIN+0')?.number).toBe(34);
      expect(signals.at(-1)?.number).toBe(64);
    }
  });

  it('never lists SIGKILL, SIGSTOP or SIGCHLD', () => {
    const names = forwardableSignals().map((s) => s.name);
    for (const name of ['SIGKILL', 'SIGSTOP', 'SIGCHLD']) expect(names).not.toContain(name);
  });
});

describe('signalsToLeaveAlone', () => {
  it("reads the launcher's SigIgn mask after its pid: bit n-1 is signal n", () => {
    const mask = ((1n << BigInt(SIGHUP - 1)) | (1n << BigInt(SIGUSR2 - 1))).toString(16).padStart(16, '0');
    const { ignored } = signalsToLeaveAlone(native, { [START_SIGIGN_ENV]: `${process.pid}:${mask}` });
    expect([...ignored].sort((a, b) => a - b)).toEqual([SIGHUP, SIGUSR2]);
  });

  it("ignores another process's mask (a stale variable, exitmon started without the launcher)", () => {
    const mask = (1n << BigInt(SIGHUP - 1)).toString(16).padStart(16, '0');
    expect(signalsToLeaveAlone(native, { [START_SIGIGN_ENV]: `${process.pid + 1}:${mask}` }).ignored.has(SIGHUP)).toBe(false);
    expect(signalsToLeaveAlone(native, { [START_SIGIGN_ENV]: mask }).ignored.has(SIGHUP)).toBe(false);
  });

  it.runIf(native !== null)('without a mask, does not count the SIGPIPE and SIGXFSZ that Node ignores itself', () => {
    expect(native!.signalIgnored!(SIGPIPE)).toBe(1);
    const { ignored } = signalsToLeaveAlone(native, {});
    expect(ignored.has(SIGPIPE)).toBe(false);
    expect(ignored.has(SIGXFSZ)).toBe(false);
  });

  it('ignores a malformed mask instead of guessing', () => {
    const { ignored } = signalsToLeaveAlone(native, { [START_SIGIGN_ENV]: 'not-hex' });
    expect(ignored.has(SIGHUP)).toBe(false);
  });
});

describe.runIf(native !== null)('native signal and terminal queries', () => {
  it('signalIgnored answers 0 for a default disposition, 2 once a handler is installed', () => {
    expect(native!.signalIgnored!(constants.signals.SIGWINCH)).toBe(0);
    const listener = (): void => {};
    process.on('SIGWINCH', listener);
    try {
      expect(native!.signalIgnored!(constants.signals.SIGWINCH)).toBe(2);
    } finally {
      process.off('SIGWINCH', listener);
    }
  });

  it('counts each SIGCONT hand-over as begun and ended, so that the CLI can tell one under way', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const forwarder = new SignalForwarder({
      leaveAlone: new Set(forwardableSignals().map((s) => s.number).filter((n) => n !== constants.signals.SIGCONT)),
    });
    forwarder.start();
    try {
      forwarder.setTarget(child.pid!);
      const before = forwarder.continues()!;
      expect(before.begun).toBe(before.ended);
      process.kill(process.pid, 'SIGCONT'); // the C handler sends it on to the sleeper's group
      // Its handler may run on another thread: wait for it to end.
      for (let i = 0; i < 100 && forwarder.continues()!.ended === before.ended; i++) await new Promise((r) => setTimeout(r, 10));
      expect(forwarder.continues()).toEqual({ begun: before.begun + 1, ended: before.ended + 1 });
    } finally {
      forwarder.close();
      child.kill('SIGKILL');
    }
  });

  it('rejects signal numbers out of range with -EINVAL', () => {
    expect(native!.signalIgnored!(0)).toBe(-constants.errno.EINVAL);
    expect(native!.forwardSignal!(constants.signals.SIGKILL, 1)).toBe(-constants.errno.EINVAL);
  });

  it('tcgetpgrp of something that is no terminal is -ENOTTY, and no foreground group is reported for it', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(native!.tcgetpgrp!(fd)).toBe(-constants.errno.ENOTTY);
      expect(terminalForegroundGroup(fd)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });
});
