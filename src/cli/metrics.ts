// Prometheus metrics for the CLI: prom-client on node:http, in a Registry of
// our own (never the global one, so an embedding program's metrics are not
// mixed in). Values come from the public API only: reaper.stats(),
// monitor.stats() and a subscription of our own.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExitEvent, ExitOutcome, Reaper, ExitSubscription } from '../index.js';
import { formatListenAddress, type ListenAddress } from './listen-address.js';

const METRICS_PATH = '/metrics';
const OUTCOMES: readonly ExitOutcome[] = ['reaped', 'observed', 'unknown'];
// Exits are collected within a millisecond or so; slow subscribers and big
// bursts push delivery to tens or hundreds of ms.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The metrics of one CLI run, and the HTTP server that exposes them. */
export class CliMetrics {
  readonly registry = new Registry();
  readonly #reaper: Reaper;
  readonly #subscription: ExitSubscription;
  readonly #exits: Counter<'outcome'>;
  readonly #deliveryLatency: Histogram;
  readonly #exitToReap: Histogram;
  readonly #onSigchld = (): void => void (this.#lastSigchldAt = Date.now());
  #lastSigchldAt: number | undefined;
  #server: Server | undefined;

  constructor(reaper: Reaper) {
    this.#reaper = reaper;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#exits = new Counter({ name: 'exitmon_exits_total', help: 'Exits published, by outcome.', labelNames: ['outcome'], registers });
    for (const outcome of OUTCOMES) this.#exits.inc({ outcome }, 0);
    this.#deliveryLatency = new Histogram({
      name: 'exitmon_delivery_latency_seconds',
      help: 'From publish (event.timestamp) to delivery to a listener subscription.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#exitToReap = new Histogram({
      name: 'exitmon_exit_to_reap_seconds',
      help: 'From the SIGCHLD announcing an exit to the reap (approximate: a burst of exits coalesces into one SIGCHLD and yields one sample).',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#registerStats(registers);
    // SIGCHLD is the closest thing to "the moment of exit" the public API can see.
    process.on('SIGCHLD', this.#onSigchld);
    this.#subscription = reaper.monitor.subscribe('all', (event) => this.#record(event));
  }

  // Starts serving GET /metrics; resolves with the bound address (port 0 picks one).
  listen(address: ListenAddress): Promise<{ host: string; port: number; url: string }> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${METRICS_PATH}\n`);
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
      );
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        // Metrics must never be what keeps exitmon alive.
        server.unref();
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
        resolve({ host: address.host, port, url: `http://${formatListenAddress(address.host, port)}${METRICS_PATH}` });
      });
    });
  }

  // Stops the server and the subscription. Idempotent.
  async close(): Promise<void> {
    process.off('SIGCHLD', this.#onSigchld);
    this.#subscription.unsubscribe();
    const server = this.#server;
    this.#server = undefined;
    if (server?.listening) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  // Counts one delivered exit and its latencies.
  #record(event: ExitEvent): void {
    const now = Date.now();
    this.#exits.inc({ outcome: event.outcome });
    this.#deliveryLatency.observe(Math.max(0, now - event.timestamp) / 1000);
    const sigchldAt = this.#lastSigchldAt;
    if (event.outcome === 'reaped' && sigchldAt !== undefined && sigchldAt <= event.timestamp) {
      this.#exitToReap.observe((event.timestamp - sigchldAt) / 1000);
      this.#lastSigchldAt = undefined; // one sample per SIGCHLD
    }
  }

  // Gauges and counters read from stats() at scrape time.
  #registerStats(registers: Registry[]): void {
    const reaper = this.#reaper;
    const monitor = reaper.monitor;
    const counterFrom = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect(this: Counter) {
          this.reset();
          this.inc(read());
        },
      });
    };
    const gaugeFrom = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect(this: Gauge) {
          this.set(read());
        },
      });
    };
    counterFrom('exitmon_reaped_total', 'Exits the reaper collected itself (watched and adopted).', () => reaper.stats().reapedTotal);
    counterFrom('exitmon_adopted_total', 'Orphans adopted as child subreaper (or init) and reaped.', () => reaper.stats().adoptedTotal);
    counterFrom('exitmon_observed_total', 'Exits read and left to their owner (node:child_process).', () => reaper.stats().observedTotal);
    counterFrom('exitmon_unknown_total', 'Exits of non-children, whose status is not ours to read.', () => reaper.stats().unknownTotal);
    counterFrom('exitmon_reaper_errors_total', 'Faults the reaper worked around.', () => reaper.stats().errors);
    counterFrom('exitmon_orphan_sweeps_total', 'Orphan sweeps run.', () => reaper.stats().sweeps);
    counterFrom('exitmon_events_published_total', 'Exit events published by the monitor.', () => monitor.stats().published);
    counterFrom('exitmon_events_delivered_total', 'Exit event deliveries (one per subscription reached).', () => monitor.stats().delivered);
    counterFrom('exitmon_listener_errors_total', 'Subscriber failures caught by the monitor.', () => monitor.stats().listenerErrors);
    gaugeFrom('exitmon_watched_pids', 'Pids watched now.', () => reaper.stats().watched);
    gaugeFrom('exitmon_subscriptions', 'Open subscriptions.', () => monitor.stats().subscriptions);
    gaugeFrom('exitmon_backlog_events', 'Events buffered in all subscriptions, not yet delivered.', () => monitor.stats().backlogTotal);
    gaugeFrom('exitmon_backlog_max_events', 'The largest backlog of one subscription.', () => monitor.stats().backlogMax);
    gaugeFrom('exitmon_last_sweep_timestamp_seconds', 'Unix time of the last orphan sweep (0 before the first).', () => (reaper.stats().lastSweepAt ?? 0) / 1000);
  }
}
