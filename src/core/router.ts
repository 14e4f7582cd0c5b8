// Routing tables: which subscriptions receive an event. Wide topics live in
// sets, pid and exec topics in maps keyed by pid / execId, so publishing costs
// O(matching subscriptions) however many subscriptions watch other pids.
// Sets keep insertion order and delete in O(1), which keeps unsubscribe cheap.
import type { ExitEvent } from './exit-event.js';
import type { SubscriptionState } from './subscription-state.js';

export class Router {
  readonly #all = new Set<SubscriptionState>();
  readonly #plain = new Set<SubscriptionState>(); // topic 'pid'
  readonly #execs = new Set<SubscriptionState>(); // topic 'exec'
  readonly #byPid = new Map<number, Set<SubscriptionState>>();
  readonly #byExec = new Map<string, Set<SubscriptionState>>();
  #size = 0;

  /** Number of routed subscriptions. */
  get size(): number {
    return this.#size;
  }

  add(state: SubscriptionState): void {
    const t = state.normalized;
    if (t.kind === 'all') this.#all.add(state);
    else if (t.kind === 'pid') this.#plain.add(state);
    else if (t.kind === 'exec') this.#execs.add(state);
    else if (t.kind === 'onePid') addTo(this.#byPid, t.pid, state);
    else if (t.kind === 'oneExec') addTo(this.#byExec, t.execId, state);
    this.#size++;
  }

  remove(state: SubscriptionState): void {
    const t = state.normalized;
    let removed: boolean;
    if (t.kind === 'all') removed = this.#all.delete(state);
    else if (t.kind === 'pid') removed = this.#plain.delete(state);
    else if (t.kind === 'exec') removed = this.#execs.delete(state);
    else if (t.kind === 'onePid') removed = removeFrom(this.#byPid, t.pid, state);
    else if (t.kind === 'oneExec') removed = removeFrom(this.#byExec, t.execId, state);
    else removed = false;
    if (removed) this.#size--;
  }

  // Buffers `event` in every matching subscription, in subscribe order within
  // each table. Never runs consumer code: push only enqueues.
  route(event: ExitEvent): void {
    // Empty sets are skipped: creating their iterators is most of the cost.
    if (this.#all.size !== 0) for (const s of this.#all) s.push(event);
    const execId = event.execId;
    if (execId === undefined) {
      if (this.#plain.size !== 0) for (const s of this.#plain) s.push(event);
    } else {
      if (this.#execs.size !== 0) for (const s of this.#execs) s.push(event);
      const byExec = this.#byExec.get(execId);
      if (byExec !== undefined) {
        for (const s of byExec) {
          const containerId = (s.normalized as { containerId?: string }).containerId;
          if (containerId === undefined || containerId === event.containerId) s.push(event);
        }
      }
    }
    const byPid = this.#byPid.get(event.pid);
    if (byPid !== undefined) for (const s of byPid) s.push(event);
  }

  /** Every routed subscription (for close and stats). */
  *states(): IterableIterator<SubscriptionState> {
    yield* this.#all;
    yield* this.#plain;
    yield* this.#execs;
    for (const set of this.#byPid.values()) yield* set;
    for (const set of this.#byExec.values()) yield* set;
  }
}

function addTo<K>(map: Map<K, Set<SubscriptionState>>, key: K, state: SubscriptionState): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(state);
}

function removeFrom<K>(map: Map<K, Set<SubscriptionState>>, key: K, state: SubscriptionState): boolean {
  const set = map.get(key);
  if (set === undefined || !set.delete(state)) return false;
  if (set.size === 0) map.delete(key);
  return true;
}
