// The `label_pairs` table's in-memory side: each distinct (name, value) gets a number once, and a
// persisted series is the list of its pair numbers (migration 0003; series-block.ts). Ids are handed out here and
// inserted in the checkpoint transaction that first needs them.
//
// Only the pairs of series in memory stay here: series-expiry.ts forgets a pair once no series in
// memory has it (kept, every pair ever seen cost ~150 bytes under series churn, a new `pod` value
// per series). A forgotten pair is looked up in the table again (`stored`) — by id when an evicted
// series' row is read, by name and value when a new series has it — and only those whose hash is
// in `forgottenHashes` are, so new pairs cost no query.
import type { LabelPairs } from './series-index.js';

/** The label_pairs table, for pairs no longer held in memory. */
export interface StoredLabelPairs {
  idOf(name: string, value: string): number | undefined;
  pairOf(id: number): [string, string] | undefined;
}

export class LabelPairIds {
  private readonly ids = new Map<string, number>();
  private readonly pairs: [string, string][] = [];
  private nextId = 1;
  /** Keys handed out since the last commit(): forgotten again if their transaction fails. */
  private pending: string[] = [];
  /** Hashes of forgotten pairs' keys (a collision only costs a query). */
  private readonly forgottenHashes = new Set<number>();

  constructor(private readonly stored?: StoredLabelPairs) {}

  /** Pairs held in memory. */
  get size(): number {
    return this.ids.size;
  }

  /** Registers a stored pair (start-up). */
  load(id: number, name: string, value: string): void {
    this.ids.set(pairKey(name, value), id);
    this.pairs[id] = [name, value];
    if (id >= this.nextId) this.nextId = id + 1;
  }

  /** A series' pair ids in label order; `insert` receives pairs seen for the first time. */
  encodeIds(labels: LabelPairs, insert: (id: number, name: string, value: string) => void): number[] {
    const out = new Array<number>(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const [name, value] = labels[i];
      const key = pairKey(name, value);
      let id = this.ids.get(key);
      if (id === undefined && this.forgottenHashes.has(keyHash(key))) {
        id = this.stored?.idOf(name, value);
        if (id !== undefined) {
          this.ids.set(key, id);
          this.pairs[id] = [name, value];
        }
      }
      if (id === undefined) {
        id = this.nextId++;
        insert(id, name, value);
        this.ids.set(key, id);
        this.pairs[id] = [name, value];
        this.pending.push(key);
      }
      out[i] = id;
    }
    return out;
  }

  /** The transaction that inserted the new pairs committed. */
  commit(): void {
    this.pending = [];
  }

  /** It rolled back: the new pairs are not stored, so they must be inserted again next time. */
  rollback(): void {
    for (const key of this.pending) {
      const id = this.ids.get(key)!;
      this.ids.delete(key);
      delete this.pairs[id];
    }
    this.pending = [];
  }

  decodeIds(ids: number[]): LabelPairs {
    return ids.map((id) => {
      const pair = this.pairs[id] ?? this.stored?.pairOf(id);
      if (!pair) throw new Error(`series refers to unknown label pair ${id}`);
      return [pair[0], pair[1]];
    });
  }

  /** The id of a pair, in memory or stored (undefined: no series has it). */
  idOf(name: string, value: string): number | undefined {
    return this.ids.get(pairKey(name, value)) ?? this.stored?.idOf(name, value);
  }

  /** Whether memory holds the pair with this id (a series in memory, or one about to be written,
   * may refer to it without looking it up again). */
  holdsId(id: number): boolean {
    return this.pairs[id] !== undefined;
  }

  /** Drops a stored pair from memory (no series in memory has it any more); it stays in the table. */
  forget(name: string, value: string): void {
    const key = pairKey(name, value);
    const id = this.ids.get(key);
    if (id === undefined || !this.stored || this.pending.includes(key)) return;
    this.ids.delete(key);
    delete this.pairs[id];
    this.forgottenHashes.add(keyHash(key));
  }

  /** Forgets every stored pair `keep` refuses (start-up, after the evicted series are out). */
  forgetUnless(keep: (name: string, value: string) => boolean): void {
    for (const id of this.ids.values()) {
      const pair = this.pairs[id];
      if (pair && !keep(pair[0], pair[1])) this.forget(pair[0], pair[1]);
    }
  }
}

function pairKey(name: string, value: string): string {
  // Label names never contain NUL (Prometheus: [a-zA-Z_][a-zA-Z0-9_]*), so the split is unambiguous.
  return `${name}\u0000${value}`;
}

/** FNV-1a of a key, as an int32 (a small integer in a Set). */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h | 0;
}
