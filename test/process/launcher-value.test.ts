// The launcher's EXITMON_START_* values count only when recorded by this process.
import { describe, expect, it } from 'vitest';
import { ownLauncherValue } from '../../src/process/launcher-value.js';

describe('ownLauncherValue', () => {
  const me = process.pid;

  it('gives the value after this process\'s pid, separators inside it kept', () => {
    expect(ownLauncherValue(`${me}:0000000000001000`, ':')).toBe('0000000000001000');
    expect(ownLauncherValue(`${me}:--require ./a.js --inspect=0:9229`, ':')).toBe('--require ./a.js --inspect=0:9229');
    expect(ownLauncherValue(`${me} 3:1234 7:99`, ' ')).toBe('3:1234 7:99');
    expect(ownLauncherValue(`${me}:`, ':')).toBe('');
  });

  it('gives \'\' for the pid alone (nothing recorded)', () => {
    expect(ownLauncherValue(`${me}`, ' ')).toBe('');
  });

  it('ignores a value recorded by another process, a malformed one, and none', () => {
    expect(ownLauncherValue(`${me + 1}:ff`, ':')).toBeUndefined();
    expect(ownLauncherValue(`0${me}x:ff`, ':')).toBeUndefined();
    expect(ownLauncherValue(`:ff`, ':')).toBeUndefined();
    expect(ownLauncherValue(`${me}:ff`, ' ')).toBeUndefined(); // wrong separator: not a pid
    expect(ownLauncherValue(undefined, ':')).toBeUndefined();
  });
});
