// `exitmon demo`: the built-in workload, through the same Supervisor as
// `run`. Everything it starts is generated inline as `sh -c` scripts, so it
// needs nothing but dist/ and /bin/sh.
import { once } from 'node:events';
import type { ExitMonitor, ExitSubscription, ManagedProcess } from '../index.js';
import type { CliContext } from './context.js';
import { formatDuration } from './duration.js';
import { ExitPrinter } from './format.js';
import { Supervisor } from './supervisor.js';

/** Orphaned grandchildren in the orphan burst. */
export const DEMO_ORPHANS = 8;
/** Short-lived children in the spawn burst. */
export const DEMO_BURST = 12;
/** Grace given to the process that ignores SIGTERM before SIGKILL. */
export const DEMO_STUBBORN_GRACE_MS = 300;
/** How long the slow subscriber spends on each event. */
export const DEMO_SLOW_MS = 25;
// Liveness bounds: generous, only reached when something is wrong.
const ADOPTION_TIMEOUT_MS = 5000;
const CATCH_UP_TIMEOUT_MS = 10_000;
const POLL_MS = 10;

/** What the demo reports at the end. */
export interface DemoSummary {
  exitsSeen: number;
  reaped: number;
  observed: number;
  unknown: number;
  adopted: number;
  forcedStops: number;
  slowSubscriber: { received: number; peakBacklog: number };
  zombiesLeft: number;
  durationMs: number;
}

/** Runs the workload; returns exitmon's exit status (0 when no zombie is left). */
export async function runDemo(context: CliContext): Promise<number> {
  const { reaper, logger } = context;
  const started = Date.now();
  const supervisor = new Supervisor({ reaper, logger, printer: context.printer, adoptOrphans: true, defaultRole: 'orphan' });
  const groups = new Set<number>();
  supervisor.forwardSignals(() => groups);
  const slow = new SlowSubscriber(reaper.monitor);
  const start = (script: string, execId: string, stdio?: 'pipe'): ManagedProcess => {
    const p = supervisor.start('sh', ['-c', script], { role: 'child', execId, stdio: stdio === 'pipe' ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
    if (p.pgid !== undefined) groups.add(p.pgid);
    void p.exited.finally(() => p.pgid !== undefined && groups.delete(p.pgid)).catch(() => undefined);
    return p;
  };
  try {
    logger.info('demo 1/4: three children (exit 0, exit 3, killed by SIGTERM)');
    await Promise.all([start('exit 0', 'ok'), start('exit 3', 'fails'), start('kill -TERM $$', 'signalled')].map((p) => p.exited));

    await supervisor.flushLines();
    logger.info(`demo 2/4: a parent that leaves ${DEMO_ORPHANS} orphaned grandchildren behind`);
    const adoptedBefore = reaper.stats().adoptedTotal;
    await start(orphanScript(DEMO_ORPHANS), 'orphan-maker').exited;
    if (supervisor.adopting) await until(() => reaper.stats().adoptedTotal - adoptedBefore >= DEMO_ORPHANS, ADOPTION_TIMEOUT_MS);

    await supervisor.flushLines();
    logger.info(`demo 3/4: a burst of ${DEMO_BURST} short-lived processes while the slow subscriber falls behind`);
    await Promise.all(Array.from({ length: DEMO_BURST }, (_, i) => start(`exit ${i % 4}`, `burst-${i + 1}`).exited));

    await supervisor.flushLines();
    logger.info(`demo 4/4: a process that ignores SIGTERM, stopped with a ${DEMO_STUBBORN_GRACE_MS}ms grace`);
    const stubborn = start('trap "" TERM; echo ready; exec sleep 30', 'stubborn', 'pipe');
    // Signal only once the trap is set; before that SIGTERM would just work.
    if (stubborn.stdout !== null) await Promise.race([once(stubborn.stdout, 'data'), stubborn.exited]);
    if (stubborn.pgid !== undefined) await supervisor.stopGroup(stubborn.pgid, DEMO_STUBBORN_GRACE_MS, 'the process that ignores SIGTERM');
    await stubborn.exited;

    await supervisor.stopOrphans(DEMO_STUBBORN_GRACE_MS);
    const zombiesLeft = await supervisor.settle();
    // Every exit published so far reaches the slow subscriber (the rule before
    // a close: drain, then close). Bounded; the summary shows what happened.
    await reaper.monitor.drain({ timeout: CATCH_UP_TIMEOUT_MS }).catch(() => undefined);
    const stats = reaper.stats();
    const summary: DemoSummary = {
      exitsSeen: supervisor.exits.total,
      reaped: supervisor.exits.reaped,
      observed: supervisor.exits.observed,
      unknown: supervisor.exits.unknown,
      adopted: stats.adoptedTotal,
      forcedStops: supervisor.forcedStops,
      slowSubscriber: { received: slow.received, peakBacklog: slow.peakBacklog },
      // Counted again after everything settled.
      zombiesLeft: Math.max(zombiesLeft, reaper.zombies().length),
      durationMs: Date.now() - started,
    };
    printSummary(summary, context);
    // The same result as one log line (stderr), whatever the stdout format.
    logger.info(
      summary,
      `demo finished: ${summary.exitsSeen} exits seen, ${summary.reaped} reaped, ${summary.forcedStops} forced stop(s), zombies left: ${summary.zombiesLeft}`,
    );
    return summary.zombiesLeft === 0 ? 0 : 1;
  } finally {
    slow.close();
    supervisor.close();
  }
}

// `sh -c` script whose background subshells outlive it: each sleeps a little
// and exits with its own code, after the parent is gone (so they are orphans).
function orphanScript(count: number): string {
  return `for i in ${Array.from({ length: count }, (_, i) => i + 1).join(' ')}; do (sleep 0.$i; exit $((i % 3))) & done`;
}

// A consumer that takes DEMO_SLOW_MS per event: its buffer grows during the
// bursts while reaping and the other subscriber go on unaffected. An async
// listener: the monitor awaits each returned promise before the next event,
// and monitor.drain() waits for the last one.
class SlowSubscriber {
  readonly #subscription: ExitSubscription;
  received = 0;
  peakBacklog = 0;

  constructor(monitor: ExitMonitor) {
    this.#subscription = monitor.subscribe('all', () => this.#take());
  }

  close(): void {
    this.#subscription.unsubscribe();
  }

  // Takes one event, slowly, noting how far behind it is.
  #take(): Promise<void> {
    this.received++;
    this.peakBacklog = Math.max(this.peakBacklog, this.#subscription.backlog);
    return new Promise((resolve) => setTimeout(resolve, DEMO_SLOW_MS));
  }
}

// Polls until `done()` or the deadline; the demo goes on either way and the
// summary shows what happened.
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

// The summary: one JSON line, or "label: value" lines for people (and grep).
function printSummary(s: DemoSummary, context: CliContext): void {
  const lines = [
    `demo finished in ${formatDuration(s.durationMs)}`,
    `  exits seen: ${s.exitsSeen} (reaped ${s.reaped}, observed ${s.observed}, unknown ${s.unknown})`,
    `  orphans adopted: ${s.adopted}`,
    `  forced stops: ${s.forcedStops}`,
    `  slow subscriber: ${s.slowSubscriber.received} events, peak backlog ${s.slowSubscriber.peakBacklog}`,
    `  zombies left: ${s.zombiesLeft}`,
  ];
  const record = { type: 'summary', ...s };
  // The summary is the demo's result: printed even with --quiet.
  (context.printer ?? new ExitPrinter(context.format)).printRecord(record, lines);
}
