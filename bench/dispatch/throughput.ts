// Publish→delivery throughput of one delivery path: a synchronous burst of
// every event, or a stream of batches with one macrotask turn between batches
// (how exits really arrive: a few per event-loop turn, never 1M at once).
import { nextMacrotask, now } from '../lib/timing.js';
import type { PathFactory } from './paths.js';

/** How events are published. */
export type PublishMode = { kind: 'burst' } | { kind: 'streamed'; batch: number };

// Deliveries per second (events × subscribers / elapsed), from the first
// publish until the last delivery has been made.
export async function deliveriesPerSecond(factory: PathFactory, events: number, subscribers: number, mode: PublishMode): Promise<number> {
  const total = events * subscribers;
  let delivered = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const path = factory(subscribers, () => {
    if (++delivered === total) finish();
  });
  const t0 = now();
  if (mode.kind === 'burst') {
    for (let i = 0; i < events; i++) path.publish(i);
  } else {
    for (let start = 0; start < events; start += mode.batch) {
      const end = Math.min(events, start + mode.batch);
      for (let i = start; i < end; i++) path.publish(i);
      await nextMacrotask();
    }
  }
  await finished;
  const elapsed = now() - t0;
  path.close();
  return (total / elapsed) * 1000;
}
