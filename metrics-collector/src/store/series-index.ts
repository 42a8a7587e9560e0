// In-memory series registry: id ↔ sorted label set, an inverted index (label name → value → series
// ids, ids ascending because they are handed out in order) for selector matching, and a hash table
// over the raw remote_write label bytes so the hot ingest path finds a known series without
// decoding a single string.
import { type LabelMatcher, type Labels, lowerBound } from '../promql/sample-source.js';

export type LabelPairs = [string, string][];

export interface SeriesInfo {
  id: number;
  labels: LabelPairs;
  metric: string;
  expiresMs?: number;
  persisted: boolean;
  /** Newest sample time retention folded into rollups (raw data up to it may be gone, so reads
   * serve that period from rollups: store-read.ts). Absent: never rolled up. */
  rolledUntilMs?: number;
}

export function sortLabels(labels: LabelPairs): LabelPairs {
  // Senders sort them already (Prometheus does): checking costs a few compares, sorting a call each.
  for (let i = 1; i < labels.length; i++)
    if (labels[i - 1][0] > labels[i][0])
      return labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return labels;
}

export function labelsToObject(labels: LabelPairs): Labels {
  const out: Labels = {};
  for (const [n, v] of labels) out[n] = v;
  return out;
}

/** An int32 (a small integer to V8): as a uint32 half the Map keys were boxed numbers. Creating a
 * series hashes its labels once and passes the hash on (findByKey, hasKeyHash, add): hashing them
 * again in each was ~0.2 us of the ~5 us a new series costs. */
export function keyHash(labels: LabelPairs): number {
  let h = 0x811c9dc5;
  for (const [n, v] of labels) {
    for (let i = 0; i < n.length; i++) h = Math.imul(h ^ n.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 0xff, 16777619);
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 0xfe, 16777619);
  }
  return h | 0;
}

export function sameLabels(a: LabelPairs, b: LabelPairs): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

/** murmur3-style 32-bit hash of buf[start, end); `view` spans the same bytes as `buf` (4-byte reads
 * through it took half the CPU of assembling them from 4 byte loads: 45 vs 92 ns for 90 bytes). */
export function hashBytes(
  buf: Uint8Array,
  start: number,
  end: number,
  view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength),
): number {
  let h = 0x9747b28c;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let s = 0; i < end; i++, s += 8) k |= buf[i] << s;
  h ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Series ids having one label value; `pair` is the one [name, value] array every series with
 * this label shares in its `labels` (an array per label per series cost ~64 bytes). */
interface Posting {
  pair: [string, string];
  ids: number[];
}

export class SeriesIndex {
  readonly byId: (SeriesInfo | undefined)[] = [];
  /** Hash of the canonical label key → series id(s); a string key per series cost ~150 B each. */
  private readonly byKeyHash = new Map<number, number | number[]>();
  /** Open-addressing table over raw remote_write label keys, 4 int32 per slot: hash, series id (0:
   * empty), where the key's bytes sit in the key arena, their length. A Map from hash to id plus
   * two fields on SeriesInfo took ~60 bytes per series and ~5 dependent loads per lookup (~0.45 us
   * at 100k series); this takes 32-64 bytes and reads one slot, then the key. Linear probing keeps
   * series whose keys share a hash apart (the Map kept only the first). */
  private rawSlots = new Int32Array(4 * 1024);
  private rawMask = 1023;
  private rawCount = 0;
  /** Series removed since the last compactRawKeys() (some of their keys are still in the table). */
  private rawRemoved = 0;
  /** 1 for a series whose raw key is in the table: one key per series, the first one seen. */
  private rawKnown = new Uint8Array(1024);
  readonly postings = new Map<string, Map<string, Posting>>();
  private readonly names = new Map<string, string>();
  private arena = new Uint8Array(64 * 1024);
  private arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  readonly perMetric = new Map<string, number>();
  size = 0;
  /** Newest rolled-up sample time among evicted series: reads reaching back to it look for them. */
  evictedRolledUntilMs = Number.NEGATIVE_INFINITY;
  /** Evicted series (stored, not in memory) per metric name, so "does this metric still have a
   * series" needs no scan of the stored rows (/api/v1/metadata: scanning and decoding 100k evicted
   * series took ~1 s per call): 1 per evicted id, kept by removeAll/addEvicted (evicted),
   * add (revived) and forgetEvicted (removed from SQLite); the counts follow. */
  private evictedMark = new Uint8Array(1024);
  /** Metric name → evicted series without a TTL. */
  private readonly evictedForever = new Map<string, number>();
  /** Metric name → evicted series with a TTL → its expiry (ms): one entry per such series. */
  private readonly evictedUntil = new Map<string, Map<number, number>>();

  get nextId(): number {
    return this.byId.length === 0 ? 1 : this.byId.length;
  }

  findByKey(labels: LabelPairs, hash = keyHash(labels)): number | undefined {
    const hit = this.byKeyHash.get(hash);
    if (hit === undefined) return undefined;
    for (const id of typeof hit === 'number' ? [hit] : hit) {
      const info = this.byId[id];
      if (info && sameLabels(info.labels, labels)) return id;
    }
    return undefined;
  }

  /** Hot path: a series previously seen with exactly these raw bytes. `view` spans the same bytes
   * as `buf`: comparing 4 bytes per step took ~40 % of the byte-by-byte loop's time. */
  findByRaw(
    buf: Uint8Array,
    start: number,
    end: number,
    hash: number,
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength),
  ): number | undefined {
    const slots = this.rawSlots;
    const mask = this.rawMask;
    const h = hash | 0;
    const len = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const r = slot * 4;
      const id = slots[r + 1];
      if (id === 0) return undefined;
      if (slots[r] !== h || slots[r + 3] !== len) continue;
      const arena = this.arenaView;
      const at = slots[r + 2] - start;
      let i = start;
      for (; i + 4 <= end; i += 4) if (arena.getInt32(at + i) !== view.getInt32(i)) break;
      if (i + 4 <= end) continue;
      const bytes = this.arena;
      for (; i < end; i++) if (bytes[at + i] !== buf[i]) break;
      // A removed series' key stays in the table until compactRawKeys(): keep probing past it.
      if (i === end && this.byId[id] !== undefined) return id;
    }
  }

  rememberRaw(id: number, buf: Uint8Array, start: number, end: number, hash: number): void {
    if (!this.byId[id] || this.rawKnown[id] === 1) return;
    const len = end - start;
    if (this.arenaUsed + len > this.arena.length) {
      const next = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
      this.arenaView = new DataView(next.buffer);
    }
    this.arena.set(buf.subarray(start, end), this.arenaUsed);
    if ((this.rawCount + 1) * 2 > this.rawMask + 1) this.growRawTable();
    this.insertRaw(hash | 0, id, this.arenaUsed, len);
    this.arenaUsed += len;
    this.rawCount++;
    if (id >= this.rawKnown.length) {
      const known = new Uint8Array(Math.max(id + 1, this.rawKnown.length * 2));
      known.set(this.rawKnown);
      this.rawKnown = known;
    }
    this.rawKnown[id] = 1;
  }

  private insertRaw(hash: number, id: number, at: number, len: number): void {
    const slots = this.rawSlots;
    const mask = this.rawMask;
    let slot = hash & mask;
    while (slots[slot * 4 + 1] !== 0) slot = (slot + 1) & mask;
    const r = slot * 4;
    slots[r] = hash;
    slots[r + 1] = id;
    slots[r + 2] = at;
    slots[r + 3] = len;
  }

  private growRawTable(): void {
    const old = this.rawSlots;
    this.rawMask = this.rawMask * 2 + 1;
    this.rawSlots = new Int32Array((this.rawMask + 1) * 4);
    for (let r = 0; r < old.length; r += 4)
      if (old[r + 1] !== 0) this.insertRaw(old[r], old[r + 1], old[r + 2], old[r + 3]);
  }

  /** Whether any series, in memory or evicted, has labels with this keyHash(): when none has, a new
   * label set can be no evicted series to revive. */
  hasKeyHash(hash: number): boolean {
    return this.byKeyHash.has(hash);
  }

  add(id: number, input: LabelPairs, persisted: boolean, expiresMs?: number, hash?: number): SeriesInfo {
    // Share one [name, value] array per distinct label across series: a series' `labels` holds
    // the posting's pair, so stored label pairs must never be mutated (nothing does: readers copy
    // them into objects).
    const labels: LabelPairs = [];
    for (const [n0, v] of input) {
      let n = this.names.get(n0);
      if (n === undefined) {
        n = n0;
        this.names.set(n, n);
      }
      let values = this.postings.get(n);
      if (!values) {
        values = new Map();
        this.postings.set(n, values);
      }
      const posting = values.get(v);
      if (posting) {
        insertAscending(posting.ids, id);
        labels.push(posting.pair);
      } else {
        const pair: [string, string] = [n, v];
        values.set(v, { pair, ids: [id] });
        labels.push(pair);
      }
    }
    const metric = labels.find(([n]) => n === '__name__')?.[1] ?? '';
    if (this.evictedMark[id] === 1) this.unmarkEvicted(id, metric);
    // Every field in the literal: properties added later go to a separate backing store
    // (~60 bytes more per series).
    const info: SeriesInfo = {
      id,
      labels: labels.slice(), // exact length: the pushed-to array holds 17 slots
      metric,
      expiresMs,
      persisted,
      rolledUntilMs: undefined,
    };
    while (this.byId.length <= id) this.byId.push(undefined);
    this.byId[id] = info;
    this.hashKey(id, labels, hash);
    this.perMetric.set(metric, (this.perMetric.get(metric) ?? 0) + 1);
    this.size++;
    return info;
  }

  /** Enters `id` under its labels' hash (once: a revived series is already there). */
  private hashKey(id: number, labels: LabelPairs, h = keyHash(labels)): void {
    const prev = this.byKeyHash.get(h);
    if (prev === id || (typeof prev === 'object' && prev.includes(id))) return;
    this.byKeyHash.set(h, prev === undefined ? id : typeof prev === 'number' ? [prev, id] : [...prev, id]);
  }

  /** Notes a stored series that is not brought into memory (start-up): its id is taken, and
   * evictedIdsFor() finds it by its labels, so a new sample revives it instead of making a twin. */
  addEvicted(id: number, labels: LabelPairs, expiresMs?: number): void {
    while (this.byId.length <= id) this.byId.push(undefined);
    if (this.byId[id] !== undefined) return;
    this.hashKey(id, labels);
    this.markEvicted(id, labels.find(([n]) => n === '__name__')?.[1] ?? '', expiresMs);
  }

  private markEvicted(id: number, metric: string, expiresMs: number | undefined): void {
    if (id >= this.evictedMark.length) {
      const mark = new Uint8Array(Math.max(id + 1, this.evictedMark.length * 2));
      mark.set(this.evictedMark);
      this.evictedMark = mark;
    }
    if (this.evictedMark[id] === 1) return;
    this.evictedMark[id] = 1;
    if (expiresMs === undefined) this.evictedForever.set(metric, (this.evictedForever.get(metric) ?? 0) + 1);
    else {
      let until = this.evictedUntil.get(metric);
      if (!until) {
        until = new Map();
        this.evictedUntil.set(metric, until);
      }
      until.set(id, expiresMs);
    }
  }

  private unmarkEvicted(id: number, metric: string): void {
    this.evictedMark[id] = 0;
    const until = this.evictedUntil.get(metric);
    if (until?.delete(id)) {
      if (until.size === 0) this.evictedUntil.delete(metric);
      return;
    }
    const left = (this.evictedForever.get(metric) ?? 1) - 1;
    if (left > 0) this.evictedForever.set(metric, left);
    else this.evictedForever.delete(metric);
  }

  /** Whether an evicted series of `metric` is still stored and its TTL (if any) not passed at
   * `nowMs`. After each retention pass every such series has rollups (one whose rollups or chunks
   * all left retention is removed at the end of the same pass, series-removal.ts), so this is
   * "the store still returns an evicted series of this metric". */
  hasEvicted(metric: string, nowMs: number): boolean {
    if (this.evictedForever.has(metric)) return true;
    const until = this.evictedUntil.get(metric);
    if (until) for (const expiresMs of until.values()) if (expiresMs > nowMs) return true;
    return false;
  }

  /** An evicted series left SQLite for good (series-removal.ts): its labels no longer lead to its
   * id (kept, each removed series held its hash entry until a restart: ~30 bytes per churned series). */
  forgetEvicted(id: number, labels: LabelPairs): void {
    if (this.byId[id] !== undefined) return;
    if (this.evictedMark[id] === 1) this.unmarkEvicted(id, labels.find(([n]) => n === '__name__')?.[1] ?? '');
    const h = keyHash(labels);
    const prev = this.byKeyHash.get(h);
    if (prev === id) this.byKeyHash.delete(h);
    else if (typeof prev === 'object' && prev.includes(id)) {
      const left = prev.filter((x) => x !== id);
      this.byKeyHash.set(h, left.length === 1 ? left[0] : left);
    }
  }

  /** Ids of evicted series whose labels may be `labels` (same hash: the caller compares the stored
   * labels). */
  evictedIdsFor(labels: LabelPairs): number[] {
    const hit = this.byKeyHash.get(keyHash(labels));
    if (hit === undefined) return [];
    return (typeof hit === 'number' ? [hit] : hit).filter((id) => this.byId[id] === undefined);
  }

  /**
   * Drops a series from memory (series-expiry.ts): postings, label values, the per-metric count.
   * Its id stays taken and stays under its labels' hash (~16 bytes), so a new sample with these
   * labels finds the stored series again (evictedIdsFor) instead of creating a second one. Its raw
   * remote_write key leaves the table at the next compactRawKeys().
   */
  remove(id: number): void {
    this.removeAll([id]);
  }

  /** remove() for many series at once, returning the removed ones: each posting list they were in
   * is filtered once (removed one by one, a list of n ids was spliced k times: evicting 100,000 of
   * 200,000 series of one metric held the event loop for ~19 s). */
  removeAll(ids: readonly number[]): SeriesInfo[] {
    const removed: SeriesInfo[] = [];
    const touched = new Set<Posting>();
    for (const id of ids) {
      const info = this.byId[id];
      if (!info) continue;
      this.byId[id] = undefined;
      this.markEvicted(id, info.metric, info.expiresMs);
      removed.push(info);
      for (const [n, v] of info.labels) {
        const posting = this.postings.get(n)?.get(v);
        if (posting) touched.add(posting);
      }
      const left = (this.perMetric.get(info.metric) ?? 1) - 1;
      if (left > 0) this.perMetric.set(info.metric, left);
      else this.perMetric.delete(info.metric);
      this.size--;
      this.rawRemoved++;
    }
    for (const posting of touched) {
      posting.ids = posting.ids.filter((id) => this.byId[id] !== undefined);
      if (posting.ids.length > 0) continue;
      const [n, v] = posting.pair;
      const values = this.postings.get(n)!;
      values.delete(v);
      if (values.size === 0) this.postings.delete(n);
    }
    return removed;
  }

  /** Takes back series that were added but never persisted (a refused remote_write created them):
   * they leave every map as if never added; their ids stay unused (the raw-key table may hold
   * their keys until compactRawKeys(), and handed out again an id would match those bytes). */
  discardNew(ids: readonly number[]): void {
    for (const info of this.removeAll(ids)) this.forgetEvicted(info.id, info.labels);
  }

  /** Label hashes entered (series in memory and evicted ones that may be revived). */
  get keyHashCount(): number {
    return this.byKeyHash.size;
  }

  /** Raw keys in the table (live series and removed ones not compacted yet). */
  get rawKeyCount(): number {
    return this.rawCount;
  }

  /** Bytes of raw keys held in the key arena. */
  get rawKeyBytes(): number {
    return this.arenaUsed;
  }

  /**
   * Rebuilds the raw-key table and its arena without the keys of removed series, once removals
   * make up a quarter of the keys (findByRaw probes past them until then). Linear in the table:
   * called after a batch of removals, not per removal.
   */
  compactRawKeys(): void {
    if (this.rawRemoved === 0 || this.rawRemoved * 4 < this.rawCount) return;
    const old = this.rawSlots;
    const oldArena = this.arena;
    let live = 0;
    let bytes = 0;
    for (let r = 0; r < old.length; r += 4) {
      const id = old[r + 1];
      if (id === 0) continue;
      if (this.byId[id] === undefined) this.rawKnown[id] = 0;
      else {
        live++;
        bytes += old[r + 3];
      }
    }
    let size = 1024;
    while (live * 2 > size) size *= 2;
    this.rawMask = size - 1;
    this.rawSlots = new Int32Array(size * 4);
    this.arena = new Uint8Array(Math.max(64 * 1024, bytes));
    this.arenaView = new DataView(this.arena.buffer);
    this.arenaUsed = 0;
    for (let r = 0; r < old.length; r += 4) {
      const id = old[r + 1];
      if (id === 0 || this.byId[id] === undefined) continue;
      const at = old[r + 2];
      const len = old[r + 3];
      this.arena.set(oldArena.subarray(at, at + len), this.arenaUsed);
      this.insertRaw(old[r], id, this.arenaUsed, len);
      this.arenaUsed += len;
    }
    this.rawCount = live;
    this.rawRemoved = 0;
  }

  /** Ids of series matching every matcher, ascending. */
  match(matchers: LabelMatcher[]): number[] {
    let candidates: number[] | undefined;
    const filters: ((info: SeriesInfo) => boolean)[] = [];
    // Narrow with matchers that cannot match the empty string, smallest posting lists first.
    for (const m of matchers) {
      const test = matcherTest(m);
      if (test('')) {
        filters.push((info) => test(info.labels.find(([n]) => n === m.name)?.[1] ?? ''));
        continue;
      }
      const values = this.postings.get(m.name);
      if (!values) return [];
      let ids: number[];
      if (m.type === '=') ids = values.get(m.value)?.ids ?? [];
      else {
        const lists: number[][] = [];
        for (const [v, p] of values) if (test(v)) lists.push(p.ids);
        ids = lists.length === 1 ? lists[0] : mergeUnion(lists);
      }
      candidates = candidates === undefined ? ids : intersect(candidates, ids);
      if (candidates.length === 0) return [];
    }
    if (candidates === undefined) {
      candidates = [];
      for (const info of this.byId) if (info) candidates.push(info.id);
    }
    if (filters.length === 0) return candidates;
    return candidates.filter((id) => {
      const info = this.byId[id];
      return info !== undefined && filters.every((f) => f(info));
    });
  }
}

const regexCache = new Map<string, RegExp>();

export function matcherTest(m: LabelMatcher): (v: string) => boolean {
  if (m.type === '=') return (v) => v === m.value;
  if (m.type === '!=') return (v) => v !== m.value;
  let re = regexCache.get(m.value);
  if (!re) {
    // Prometheus regexes are RE2, fully anchored.
    re = new RegExp(`^(?:${m.value})$`, 's');
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(m.value, re);
  }
  const r = re;
  return m.type === '=~' ? (v) => r.test(v) : (v) => !r.test(v);
}

/** Posting lists stay ascending (intersect() and mergeUnion() merge them): a new series' id is the
 * largest and goes at the end, a revived one (series-expiry.ts) in its place — pushed at the end,
 * it made the merges skip it, so a selector with two matchers missed a series that came back. */
function insertAscending(ids: number[], id: number): void {
  if (ids.length === 0 || ids[ids.length - 1] < id) ids.push(id);
  else {
    const at = lowerBound(ids, id);
    if (ids[at] !== id) ids.splice(at, 0, id);
  }
}

function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return out;
}

function mergeUnion(lists: number[][]): number[] {
  const all: number[] = [];
  for (const l of lists) for (const id of l) all.push(id);
  all.sort((x, y) => x - y);
  return all.filter((id, i) => i === 0 || all[i - 1] !== id);
}
