// Publish→delivery latency per event, streamed in batches: the time from the
// publish of one event to its delivery. Timestamps cost a clock read per
// event, so this runs apart from the throughput samples.
import type { RecordableHistogram } from 'node:perf_hooks';
import { nanosecondHistogram, recordMs } from '../lib/latency.js';
import { nextMacrotask, now } from '../lib/timing.js';
import type { PathFactory } from './paths.js';

// Streams `events` through a one-subscriber path in batches and records each
// event's latency into a fresh histogram.
export async function streamedLatency(factory: PathFactory, events: number, batch: number): Promise<RecordableHistogram> {
  const histogram = nanosecondHistogram();
  const publishedAt = new Float64Array(events);
  let delivered = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const path = factory(1, (seq) => {
    recordMs(histogram, now() - (publishedAt[seq] as number));
    if (++delivered === events) finish();
  });
  for (let start = 0; start < events; start += batch) {
    const end = Math.min(events, start + batch);
    for (let i = start; i < end; i++) {
      publishedAt[i] = now();
      path.publish(i);
    }
    await nextMacrotask();
  }
  await finished;
  path.close();
  return histogram;
}
