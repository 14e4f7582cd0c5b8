// The slot file shared with the C exit probes (bench/native/stamp.h): slot i
// holds the CLOCK_MONOTONIC nanoseconds a probe read right before _exit(2),
// and its pid. Node's process.hrtime.bigint() reads the same clock on Linux,
// so "now − stamp" is the latency from the child's last instant to here.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SLOT_BYTES = 16;
// tmpfs when there is one: the probes' stores then never touch a disk.
const SHM_DIR = '/dev/shm';

/** What one probe wrote: its stamp (0n when it never wrote) and pid. */
export interface Stamp {
  stampNs: bigint;
  pid: number;
}

/** A zero-filled file of `count` slots, removed by close(). */
export class SlotFile {
  readonly path: string;
  readonly count: number;

  constructor(count: number, label: string) {
    const dir = existsSync(SHM_DIR) ? SHM_DIR : tmpdir();
    this.path = path.join(dir, `exitmon-bench-${label}-${process.pid}-${Date.now()}.slots`);
    this.count = count;
    writeFileSync(this.path, Buffer.alloc(count * SLOT_BYTES));
  }

  // Reads every slot at once (after the probes exited).
  readAll(): Stamp[] {
    const buffer = readFileSync(this.path);
    const stamps: Stamp[] = [];
    for (let i = 0; i < this.count; i++) {
      stamps.push({ stampNs: buffer.readBigInt64LE(i * SLOT_BYTES), pid: Number(buffer.readBigInt64LE(i * SLOT_BYTES + 8)) });
    }
    return stamps;
  }

  close(): void {
    rmSync(this.path, { force: true });
  }
}
