// In-memory series registry: id ↔ sorted label set, an inverted index (label name → value → series
// ids, ids ascending because they are handed out in order) for selector matching, and a hash table
// over the raw remote_write label bytes so the hot ingest path finds a known series without
// decoding a single string.
import type { LabelMatcher, Labels } from '../promql/sample-source.js';

export type LabelPairs = [string, string][];

export interface SeriesInfo {
  id: number;
  labels: LabelPairs;
  metric: string;
  /** Raw remote_write label bytes this series was last seen with (hot-path key), if any. */
  rawKey?: Uint8Array;
  expiresMs?: number;
  persisted: boolean;
}

export function canonicalKey(labels: LabelPairs): string {
  let key = '';
  for (const [n, v] of labels) key += `${n}\u0000${v}\u0001`;
  return key;
}

export function sortLabels(labels: LabelPairs): LabelPairs {
  return labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function labelsToObject(labels: LabelPairs): Labels {
  const out: Labels = {};
  for (const [n, v] of labels) out[n] = v;
  return out;
}

/** murmur3-style 32-bit hash of buf[start, end). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x9747b28c;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
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

export class SeriesIndex {
  readonly byId: (SeriesInfo | undefined)[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly byRawHash = new Map<number, number>();
  readonly postings = new Map<string, Map<string, number[]>>();
  readonly perMetric = new Map<string, number>();
  size = 0;

  get nextId(): number {
    return this.byId.length === 0 ? 1 : this.byId.length;
  }

  findByKey(labels: LabelPairs): number | undefined {
    return this.byKey.get(canonicalKey(labels));
  }

  /** Hot path: a series previously seen with exactly these raw bytes. */
  findByRaw(buf: Uint8Array, start: number, end: number, hash: number): number | undefined {
    const id = this.byRawHash.get(hash);
    if (id === undefined) return undefined;
    const raw = this.byId[id]?.rawKey;
    if (!raw || raw.length !== end - start) return undefined;
    for (let i = 0; i < raw.length; i++) if (raw[i] !== buf[start + i]) return undefined;
    return id;
  }

  rememberRaw(id: number, buf: Uint8Array, start: number, end: number, hash: number): void {
    const info = this.byId[id];
    if (!info || this.byRawHash.has(hash)) return;
    info.rawKey = buf.slice(start, end);
    this.byRawHash.set(hash, id);
  }

  add(id: number, labels: LabelPairs, persisted: boolean, expiresMs?: number): SeriesInfo {
    const metric = labels.find(([n]) => n === '__name__')?.[1] ?? '';
    const info: SeriesInfo = { id, labels, metric, persisted, expiresMs };
    while (this.byId.length <= id) this.byId.push(undefined);
    this.byId[id] = info;
    this.byKey.set(canonicalKey(labels), id);
    for (const [n, v] of labels) {
      let values = this.postings.get(n);
      if (!values) {
        values = new Map();
        this.postings.set(n, values);
      }
      const ids = values.get(v);
      if (ids) ids.push(id);
      else values.set(v, [id]);
    }
    this.perMetric.set(metric, (this.perMetric.get(metric) ?? 0) + 1);
    this.size++;
    return info;
  }

  remove(id: number): void {
    const info = this.byId[id];
    if (!info) return;
    this.byId[id] = undefined;
    this.byKey.delete(canonicalKey(info.labels));
    for (const [n, v] of info.labels) {
      const values = this.postings.get(n);
      const ids = values?.get(v);
      if (!values || !ids) continue;
      const at = ids.indexOf(id);
      if (at >= 0) ids.splice(at, 1);
      if (ids.length === 0) values.delete(v);
      if (values.size === 0) this.postings.delete(n);
    }
    this.perMetric.set(info.metric, (this.perMetric.get(info.metric) ?? 1) - 1);
    this.size--;
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
      if (m.type === '=') ids = values.get(m.value) ?? [];
      else {
        const lists: number[][] = [];
        for (const [v, l] of values) if (test(v)) lists.push(l);
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
