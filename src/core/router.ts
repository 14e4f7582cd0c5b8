// Routing tables: which subscriptions receive an event. Wide topics live in
// sets, pid and exec topics in maps keyed by pid / execId, so publishing costs
// O(matching subscriptions) however many subscriptions watch other pids.
// Each table maps a subscription's id to it: a Map keeps insertion order and
// deletes in O(1), which keeps unsubscribe cheap, and its number keys need no
// identity hash (a Set of the states made V8 draw one from its random number
// generator per subscription, whose state page costs a copy-on-write fault
// when a subscription follows node:child_process's fork).
import type { ExitEvent } from './exit-event.js';
import type { SubscriptionState } from './subscription-state.js';

/** Subscriptions by id, in subscribe order. */
type Members = Map<number, SubscriptionState>;

export class Router {
  readonly #all: Members = new Map();
  readonly #plain: Members = new Map(); // topic 'pid'
  readonly #execs: Members = new Map(); // topic 'exec'
  readonly #byPid = new Map<number, Members>();
  readonly #byExec = new Map<string, Members>();
  #size = 0;

  /** Number of routed subscriptions. */
  get size(): number {
    return this.#size;
  }

  add(state: SubscriptionState): void {
    const t = state.normalized;
    if (t.kind === 'all') this.#all.set(state.id, state);
    else if (t.kind === 'pid') this.#plain.set(state.id, state);
    else if (t.kind === 'exec') this.#execs.set(state.id, state);
    else if (t.kind === 'onePid') addTo(this.#byPid, t.pid, state);
    else if (t.kind === 'oneExec') addTo(this.#byExec, t.execId, state);
    this.#size++;
  }

  remove(state: SubscriptionState): void {
    const t = state.normalized;
    let removed: boolean;
    if (t.kind === 'all') removed = this.#all.delete(state.id);
    else if (t.kind === 'pid') removed = this.#plain.delete(state.id);
    else if (t.kind === 'exec') removed = this.#execs.delete(state.id);
    else if (t.kind === 'onePid') removed = removeFrom(this.#byPid, t.pid, state);
    else if (t.kind === 'oneExec') removed = removeFrom(this.#byExec, t.execId, state);
    else removed = false;
    if (removed) this.#size--;
  }

  // Buffers `event` in every matching subscription, in subscribe order within
  // each table. Never runs consumer code: push only enqueues.
  route(event: ExitEvent): void {
    // Empty tables are skipped: creating their iterators is most of the cost.
    if (this.#all.size !== 0) for (const s of this.#all.values()) s.push(event);
    const execId = event.execId;
    if (execId === undefined) {
      if (this.#plain.size !== 0) for (const s of this.#plain.values()) s.push(event);
    } else {
      if (this.#execs.size !== 0) for (const s of this.#execs.values()) s.push(event);
      const byExec = this.#byExec.get(execId);
      if (byExec !== undefined) {
        for (const s of byExec.values()) {
          const containerId = (s.normalized as { containerId?: string }).containerId;
          if (containerId === undefined || containerId === event.containerId) s.push(event);
        }
      }
    }
    const byPid = this.#byPid.get(event.pid);
    if (byPid !== undefined) for (const s of byPid.values()) s.push(event);
  }

  /** Every routed subscription (for close and stats). */
  *states(): IterableIterator<SubscriptionState> {
    yield* this.#all.values();
    yield* this.#plain.values();
    yield* this.#execs.values();
    for (const members of this.#byPid.values()) yield* members.values();
    for (const members of this.#byExec.values()) yield* members.values();
  }
}

function addTo<K>(map: Map<K, Members>, key: K, state: SubscriptionState): void {
  let members = map.get(key);
  if (members === undefined) map.set(key, (members = new Map()));
  members.set(state.id, state);
}

function removeFrom<K>(map: Map<K, Members>, key: K, state: SubscriptionState): boolean {
  const members = map.get(key);
  if (members === undefined || members.get(state.id) !== state) return false;
  members.delete(state.id);
  if (members.size === 0) map.delete(key);
  return true;
}
