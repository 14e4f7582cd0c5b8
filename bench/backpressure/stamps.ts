// The slot file the burst probes write into: slot i is two int64, the
// CLOCK_MONOTONIC ns right before the probe's _exit and its pid (burst.c).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stampToMs } from './clock.js';

const SLOT_BYTES = 16;

/** One probe's exit as it recorded it. */
export interface ProbeExit {
  pid: number;
  /** Exit time on the worker's time base (clock.ts), ms. */
  exitMs: number;
}

/** A zero-filled slot file for `slots` probes. */
export class SlotFile {
  readonly path: string;
  readonly slots: number;

  constructor(label: string, slots: number) {
    this.path = path.join(tmpdir(), `exitmon-bp-${process.pid}-${label}.slots`);
    this.slots = slots;
    writeFileSync(this.path, Buffer.alloc(slots * SLOT_BYTES));
  }

  // Every slot a probe has filled in, in slot order.
  read(): ProbeExit[] {
    const bytes = readFileSync(this.path);
    const words = new BigInt64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    const exits: ProbeExit[] = [];
    for (let i = 0; i < this.slots; i++) {
      const ns = words[2 * i] as bigint;
      const pid = Number(words[2 * i + 1]);
      if (ns !== 0n && pid > 0) exits.push({ pid, exitMs: stampToMs(ns) });
    }
    return exits;
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
