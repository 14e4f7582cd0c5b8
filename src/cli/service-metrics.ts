// Per-service Prometheus series for `exitmon up --metrics`, in the CLI's own
// registry: whether each service's process is up, its state, its restarts,
// and its exits by status.
import { Counter, Gauge, type Registry } from 'prom-client';
import { SERVICE_STATES, type ServiceManager } from '../index.js';

/** Registers the service series for `manager` in `registry`; returns a function that stops counting exits. */
export function registerServiceMetrics(registry: Registry, manager: ServiceManager): () => void {
  const registers = [registry];
  const status = scrapeSnapshot(manager);
  new Gauge({
    name: 'exitmon_service_up',
    help: 'Whether the service has a live process (1) or not (0).',
    labelNames: ['service'],
    registers,
    collect(this: Gauge<'service'>) {
      for (const [service, { pid }] of Object.entries(status())) this.set({ service }, pid === undefined ? 0 : 1);
    },
  });
  // One series per state, 1 for the current one (kube-state-metrics'
  // pattern): `exitmon_service_state{state="failed"} == 1` alerts on a
  // service that gave up, which `up` (0 alike for failed, exited, waiting)
  // cannot tell.
  new Gauge({
    name: 'exitmon_service_state',
    help: "The service's state: 1 for the current one, 0 for the others.",
    labelNames: ['service', 'state'],
    registers,
    collect(this: Gauge<'service' | 'state'>) {
      for (const [service, { state: current }] of Object.entries(status())) {
        for (const state of SERVICE_STATES) this.set({ service, state }, current === state ? 1 : 0);
      }
    },
  });
  new Counter({
    name: 'exitmon_service_restarts_total',
    help: 'Restarts of the service (automatic and manual).',
    labelNames: ['service'],
    registers,
    collect(this: Counter<'service'>) {
      this.reset();
      for (const [service, { restarts }] of Object.entries(status())) this.inc({ service }, restarts);
    },
  });
  const exits = new Counter({
    name: 'exitmon_service_exits_total',
    help: "Exits of the service's main process, by exit status (code, or 128 + signal).",
    labelNames: ['service', 'status'],
    registers,
  });
  for (const service of Object.keys(manager.status())) exits.inc({ service, status: '0' }, 0);
  const subscription = manager.events.subscribe((event) => {
    const ended = event.event === 'exited' || (event.event === 'stopped' && event.status !== undefined);
    if (ended) exits.inc({ service: event.service, status: String(event.status ?? -1) });
  });
  return () => subscription.unsubscribe();
}

// One status() per scrape, shared by the gauges above, so that one scrape
// never shows a service up in one series and exited in another. A scrape
// collects its metrics one after another within a loop turn (prom-client
// awaits each, in microtasks); the snapshot is dropped at the next check phase.
function scrapeSnapshot(manager: ServiceManager): () => ReturnType<ServiceManager['status']> {
  let snapshot: ReturnType<ServiceManager['status']> | undefined;
  return () => {
    if (snapshot === undefined) {
      snapshot = manager.status();
      setImmediate(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };
}
