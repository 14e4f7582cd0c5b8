// The children of this exitmon process, from /proc/*/stat. The kernel here
// has no /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN is off), so
// scanning every stat file for our pid as ppid is the portable way. Read-only:
// looking never reaps anything.
import { readdirSync, readFileSync } from 'node:fs';

/** One child of this process. */
export interface OwnChild {
  readonly pid: number;
  /** The /proc state letter: R, S, D, T, Z… */
  readonly state: string;
  readonly pgrp: number;
}

const PROC = '/proc';

// Every current child of this process (zombies included).
export function ownChildren(): OwnChild[] {
  let entries: string[];
  try {
    entries = readdirSync(PROC);
  } catch {
    return []; // no procfs: nothing we can say
  }
  const self = process.pid;
  const children: OwnChild[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`${PROC}/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the last ')' so that a comm like `x) Z (y` cannot fool us.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== self) continue;
    children.push({ pid: Number(name), state: fields[0] ?? '?', pgrp: Number(fields[2]) });
  }
  return children;
}

// Children that exited and wait to be reaped: what "zombies left" counts.
export function zombieChildren(): OwnChild[] {
  return ownChildren().filter((c) => c.state === 'Z');
}

// Children still running (not zombies, not dead).
export function liveChildren(): OwnChild[] {
  return ownChildren().filter((c) => c.state !== 'Z' && c.state !== 'X');
}
