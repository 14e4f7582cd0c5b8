// Exactly-once, in-order check of one subscriber by sequence numbers. Every
// subscriber of a run subscribes to 'all' before the first publish, so it must
// see seq 1, 2, 3, … with no gap, no repeat and no step back.

/** Lost / duplicated / reordered counts of one subscriber. */
export interface SeqVerdict {
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
}

/** Tracks which sequence numbers one subscriber has received. */
export class SeqChecker {
  #seen: Uint8Array;
  #max = 0;
  #received = 0;
  #duplicated = 0;
  #reordered = 0;

  constructor(capacity: number) {
    this.#seen = new Uint8Array(capacity + 1);
  }

  /** Highest seq received so far (0 before the first). */
  get highest(): number {
    return this.#max;
  }

  // Records one delivery.
  see(seq: number): void {
    if (seq >= this.#seen.length) this.#grow(seq);
    this.#received++;
    if (this.#seen[seq] === 1) {
      this.#duplicated++;
      return;
    }
    this.#seen[seq] = 1;
    if (seq < this.#max) this.#reordered++;
    else this.#max = seq;
  }

  // The verdict once `published` events were published in all.
  verdict(published: number): SeqVerdict {
    let missing = 0;
    for (let seq = 1; seq <= published; seq++) if (this.#seen[seq] !== 1) missing++;
    return { received: this.#received, lost: missing, duplicated: this.#duplicated, reordered: this.#reordered };
  }

  // Makes room for seq (more publishes than planned).
  #grow(seq: number): void {
    const next = new Uint8Array(Math.max(seq + 1, this.#seen.length * 2));
    next.set(this.#seen);
    this.#seen = next;
  }
}

// Sums the verdicts of several subscribers.
export function sumVerdicts(verdicts: readonly SeqVerdict[]): SeqVerdict {
  return verdicts.reduce(
    (a, v) => ({ received: a.received + v.received, lost: a.lost + v.lost, duplicated: a.duplicated + v.duplicated, reordered: a.reordered + v.reordered }),
    { received: 0, lost: 0, duplicated: 0, reordered: 0 },
  );
}
