// Heap measurement: bytes retained by something built between two full GCs.
import { collectGarbage } from './timing.js';

// Returns (heapUsed after build − heapUsed before) / count, with full GCs on
// both sides. `build` must return what it built so that it stays reachable
// until the second measurement; `release` frees it afterwards.
export function retainedBytesPer<T>(count: number, build: () => T, release?: (built: T) => void): number {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const built = build();
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  release?.(built);
  return (after - before) / count;
}
