// Page faults on the exit-latency paths. node:child_process forks this whole
// process for each child, which write-protects every page of it: the first
// write to each page afterwards is a copy-on-write fault, also once the child
// has exec'd. exitmon's native spawn clones with CLONE_VM and leaves the pages
// alone. What a fault costs depends on the machine (a virtual machine's
// handling of page tables above all), so this module counts the faults of
// each path and measures the cost of one, to explain ratios that differ from
// one machine to the next.
import { execFileSync } from 'node:child_process';
import { formatNumber } from '../lib/format.js';
import { nativeProgram } from '../lib/native.js';
import { percentile } from '../lib/timing.js';
import type { Metric } from '../lib/types.js';

/** Faults per probe of each subject, in run order. */
export type FaultCounts = Map<string, number[]>;

/** What one write to a page costs here, ns: right after a fork (a fault) and once more (none). */
export interface FaultCost {
  firstWriteNs: number;
  secondWriteNs: number;
}

const MACHINE = 'this machine';
const COW_NAME = 'first write to a page after fork (copy-on-write fault)';

// Runs bench/native/cow-fault.c: best of 7 rounds of 1024 pages.
export function measureFaultCost(): FaultCost {
  const out = execFileSync(nativeProgram('cow-fault'), ['1024'], { encoding: 'utf8' }).trim();
  const [first, second] = out.split(' ').map(Number);
  if (!Number.isFinite(first) || !Number.isFinite(second)) throw new Error(`cow-fault printed ${out}`);
  return { firstWriteNs: first!, secondWriteNs: second! };
}

// p50 of the counts (NaN for none).
const median = (values: readonly number[]): number => percentile(values, 50);

/** One row per subject (p50 faults per probe) and the machine's cost of one fault. */
export function faultMetrics(counts: FaultCounts, cost: FaultCost): Metric[] {
  const perSubject: Metric[] = [...counts].map(([subject, values]) => ({
    name: 'minor page faults of this process, spawn → event, p50', subject, value: median(values), unit: 'faults', size: values.length,
  }));
  return [
    ...perSubject,
    { name: COW_NAME, subject: MACHINE, value: cost.firstWriteNs / 1000, unit: 'µs', note: `a second write: ${cost.secondWriteNs} ns (bench/native/cow-fault.c)` },
  ];
}

/** One row per released subject: p50 faults from the go signal to the event. */
export function releaseFaultMetrics(counts: FaultCounts): Metric[] {
  return [...counts].map(([subject, values]) => ({
    name: 'minor page faults of this process, release → event, p50', subject, value: median(values), unit: 'faults', size: values.length,
  }));
}

/** The paragraph on faults, from this run's rows. */
export function faultNote(counts: FaultCounts, cost: FaultCost, nodeSubject: string): string {
  const us = cost.firstWriteNs / 1000;
  const nodeFaults = median(counts.get(nodeSubject) ?? []);
  const list = [...counts].map(([subject, values]) => `*${subject}* ${median(values)}`).join(', ');
  return (
    `**Faults.** node:child_process forks this process for every child, and after a fork the first write to each page ` +
    `of the parent is a copy-on-write fault, also once the child has exec'd; exitmon's native spawn (clone3 with CLONE_VM) ` +
    `leaves the parent's pages alone. Minor faults of this process per probe, p50, from just before the spawn to the ` +
    `event: ${list}. One such fault costs ${formatNumber(us)} µs on this machine (bench/native/cow-fault.c; a second ` +
    `write ${cost.secondWriteNs} ns), so node's path costs about ${formatNumber(nodeFaults * us)} µs of faults per ` +
    `probe, some before the probe exits and the rest inside its latency. The cost of a fault depends on the machine (a ` +
    `virtual machine's handling of page tables above all), and with it every ratio against node's 'exit': where faults are dear, paths that follow a ` +
    `fork lose and the native spawn, which takes none, gains.`
  );
}
