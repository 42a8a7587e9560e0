// Reads: the PromQL SampleSource contract over the store. Series come from the in-memory inverted
// index; samples from persisted chunks (range scan on the chunks primary key, bounded because no
// chunk spans more than CHUNK_MAX_SPAN_MS), sealed chunks waiting for a checkpoint, the open head
// chunk and the out-of-order buffer, merged with last-write-wins on equal timestamps. The period
// that retention rolled up (up to the series' watermark) is served from rollups, merged with any
// raw sample left in it (rollup-read.ts: one synthetic sample per bucket, its last value; what that
// approximates is there).
import {
  type LabelMatcher,
  type Labels,
  lowerBound,
  type SampleSource,
  type SelectHints,
  type SeriesSamples,
} from '../promql/sample-source.js';
import { decodeChunk } from './chunk-codec.js';
import { decodeDeltaChunk } from './delta-chunk.js';
import { CHUNK_MAX_SPAN_MS } from './delta-chunk.js';
import { indexesOf } from './head.js';
import type { MetricsStore } from './metrics-store.js';
import { readRollupLasts } from './rollup-read.js';
import { evictedWithRollups } from './series-expiry.js';
import { type LabelPairs, labelsToObject, type SeriesInfo } from './series-index.js';
import type { ChunkRow } from './store-sql.js';

interface RollupRow {
  bucket_t: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

export interface RollupSeries {
  labels: Labels;
  /** Bucket start times, ms. */
  timestamps: number[];
  min: number[];
  max: number[];
  sum: number[];
  count: number[];
  last: number[];
}

interface Source {
  seq: number;
  ts: number[];
  vs: number[];
  /** Ascending indexes of staleness markers, if any. */
  st?: number[];
}

export interface ReadSamples {
  timestamps: number[];
  values: number[];
  /** 1 where the sample is a staleness marker; absent when there is none. */
  stale?: Uint8Array;
}

export interface SampleSourceOptions {
  /** Serve periods whose raw samples expired from rollups (default true; false: raw samples only). */
  readRollups?: boolean;
}

export class StoreSampleSource implements SampleSource {
  private readonly readRollups: boolean;

  constructor(
    private readonly store: MetricsStore,
    options: SampleSourceOptions = {},
  ) {
    this.readRollups = options.readRollups ?? true;
  }

  /** Series matching the matchers whose samples (raw or rolled up) may overlap [start, end]: live
   * ones from the index, and evicted ones whose rollups reach the range (series-expiry.ts). */
  private matchSeries(matchers: LabelMatcher[], startMs: number, endMs: number): SeriesInfo[] {
    const { index } = this.store;
    const now = this.store.clock();
    const out: SeriesInfo[] = [];
    for (const id of index.match(matchers)) {
      const info = index.byId[id];
      if (info && this.returns(info, startMs, endMs, now)) out.push(info);
    }
    if (!this.readRollups) return out;
    const evicted = evictedWithRollups(this.store, matchers, startMs, endMs);
    return evicted.length === 0 ? out : [...out, ...evicted].sort((a, b) => a.id - b.id);
  }

  /** Whether a series in memory may have samples (raw or rolled up) in [start, end] at `now`. */
  private returns(info: SeriesInfo, startMs: number, endMs: number, now: number): boolean {
    if (info.expiresMs !== undefined && info.expiresMs <= now) return false;
    const { heads } = this.store;
    if (heads.has(info.id) && heads.firstT(info.id) <= endMs && heads.lastT(info.id) >= startMs) return true;
    // Raw gone (after a restart the series may have no head at all) but rolled up.
    return this.readRollups && info.rolledUntilMs !== undefined && info.rolledUntilMs >= startMs;
  }

  /** Whether a series named `name` is returned at some time (what labelValues('__name__') over the
   * whole time axis lists), without listing: in memory, the first returned one of the name's
   * posting list answers; evicted ones, the index's per-name counts (SeriesIndex.hasEvicted). */
  hasMetricName(name: string): boolean {
    const { index } = this.store;
    const now = this.store.clock();
    for (const id of index.postings.get('__name__')?.get(name)?.ids ?? []) {
      const info = index.byId[id];
      if (info && this.returns(info, -Number.MAX_VALUE, Number.MAX_VALUE, now)) return true;
    }
    return this.readRollups && index.hasEvicted(name, now);
  }

  /** Series in label order, each read from chunks when the iteration reaches it (see SampleSource). */
  stream(
    matchers: LabelMatcher[],
    startMs: number,
    endMs: number,
    hints: SelectHints = {},
  ): Iterable<SeriesSamples> {
    // Sorted on the index's name-sorted pairs: no label object per series until it is read.
    const infos = this.matchSeries(matchers, startMs, endMs);
    infos.sort((a, b) => compareLabelPairs(a.labels, b.labels));
    return this.read(infos, startMs, endMs, hints.filter);
  }

  select(matchers: LabelMatcher[], startMs: number, endMs: number): SeriesSamples[] {
    return [...this.read(this.matchSeries(matchers, startMs, endMs), startMs, endMs)];
  }

  private *read(
    infos: SeriesInfo[],
    startMs: number,
    endMs: number,
    filter?: (labels: Labels) => boolean,
  ): Generator<SeriesSamples> {
    for (const info of infos) {
      const labels = labelsToObject(info.labels);
      if (filter && !filter(labels)) continue;
      const samples = this.readSeries(info.id, startMs, endMs, info);
      if (samples.timestamps.length > 0) yield { labels, ...samples };
    }
  }

  /** `info`: the series (default: from the index; an evicted one is passed in). */
  readSeries(id: number, startMs: number, endMs: number, info = this.store.index.byId[id]): ReadSamples {
    const store = this.store;
    const sources: Source[] = [];
    if (info?.persisted) {
      const rows = store.sql.selectChunks.all(id, startMs - CHUNK_MAX_SPAN_MS, endMs, startMs) as ChunkRow[];
      for (const r of rows) sources.push(decoded(r.seq, r.encoding, r.data));
    }
    const heads = store.heads;
    if (heads.has(id)) {
      // Head chunks (encoding 7) are decoded only as far as the range needs: samples before
      // startMs are skipped without being stored, decoding stops past endMs.
      for (const c of heads.sealed(id)) {
        if (c.minT <= endMs && c.maxT >= startMs) {
          const src: Source = { seq: c.seq, ts: [], vs: [], st: [] };
          decodeDeltaChunk(c.data, src.ts, src.vs, src.st, startMs, endMs);
          sources.push(src);
        }
      }
      if (heads.hasApp(id) && heads.appMinT(id) <= endMs && heads.appMaxT(id) >= startMs) {
        const src: Source = { seq: heads.appSeq(id), ts: [], vs: [], st: [] };
        heads.decodeApp(id, src.ts, src.vs, src.st, startMs, endMs);
        sources.push(src);
      }
      // Copies: the buffer keeps changing, and a single source is handed to the caller as is.
      const ooo = heads.outOfOrder(id);
      if (ooo)
        sources.push({ seq: ooo.seq, ts: ooo.ts.slice(), vs: ooo.vs.slice(), st: indexesOf(ooo.stale) });
    }
    const until = this.readRollups ? info?.rolledUntilMs : undefined;
    if (until !== undefined && until >= startMs) {
      // The rolled-up period's samples (bucket lasts) merged with the raw ones left in it, raw
      // first at equal times. Read only before the oldest raw sample, a raw sample inside the
      // period (a backfill that revived an evicted series, an out-of-order chunk that outlived
      // its neighbours) hid every bucket after it.
      const lasts = readRollupLasts(store.sql, id, startMs, Math.min(until + 1, endMs + 1));
      if (lasts.timestamps.length > 0)
        sources.push({ seq: -1, ts: lasts.timestamps, vs: lasts.values, st: [] });
    }
    return mergeSources(sources, startMs, endMs);
  }

  /** Downsampled buckets (resolution 300000 or 3600000 ms) of matching series; they exist for data
   * that has left raw retention (retention.ts), so long ranges stay answerable. */
  selectRollups(
    matchers: LabelMatcher[],
    resolutionMs: number,
    startMs: number,
    endMs: number,
  ): RollupSeries[] {
    const out: RollupSeries[] = [];
    const now = this.store.clock();
    const { index } = this.store;
    const live = index.match(matchers).map((id) => index.byId[id]);
    const evicted = evictedWithRollups(this.store, matchers, startMs, endMs);
    for (const info of evicted.length === 0 ? live : [...live, ...evicted].sort((a, b) => a!.id - b!.id)) {
      if (!info?.persisted || (info.expiresMs !== undefined && info.expiresMs <= now)) continue;
      const id = info.id;
      const rows = this.store.sql.selectRollups.all(resolutionMs, id, startMs, endMs) as RollupRow[];
      if (rows.length === 0) continue;
      out.push({
        labels: labelsToObject(info.labels),
        timestamps: rows.map((r) => r.bucket_t),
        min: rows.map((r) => r.min),
        max: rows.map((r) => r.max),
        sum: rows.map((r) => r.sum),
        count: rows.map((r) => r.count),
        last: rows.map((r) => r.last),
      });
    }
    return out;
  }

  series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Labels[] {
    return this.seriesForSets(matcherSets, startMs, endMs).map((info) => labelsToObject(info.labels));
  }

  labelNames(matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[] {
    const names = new Set<string>();
    for (const info of this.seriesForSets(matcherSets, startMs, endMs)) {
      for (const [n] of info.labels) names.add(n);
    }
    return [...names].sort();
  }

  labelValues(name: string, matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[] {
    const values = new Set<string>();
    for (const info of this.seriesForSets(matcherSets, startMs, endMs)) {
      const v = info.labels.find(([n]) => n === name)?.[1];
      if (v !== undefined) values.add(v);
    }
    return [...values].sort();
  }

  private seriesForSets(matcherSets: LabelMatcher[][], startMs: number, endMs: number): SeriesInfo[] {
    const sets = matcherSets.length === 0 ? [[]] : matcherSets;
    const byId = new Map<number, SeriesInfo>();
    for (const set of sets) for (const info of this.matchSeries(set, startMs, endMs)) byId.set(info.id, info);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }
}

/** Prometheus' labels.Compare over name-sorted pairs (what sortByLabels does with label objects). */
export function compareLabelPairs(a: LabelPairs, b: LabelPairs): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [an, av] = a[i];
    const [bn, bv] = b[i];
    if (an !== bn) return an < bn ? -1 : 1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return a.length - b.length;
}

function decoded(seq: number, encoding: number, data: Uint8Array): Source {
  const ts: number[] = [];
  const vs: number[] = [];
  const st: number[] = [];
  decodeChunk(encoding, data, ts, vs, st);
  return { seq, ts, vs, st };
}

/** Merges sources into ascending samples within [start, end]; equal timestamps: highest seq wins. */
export function mergeSources(sources: Source[], startMs: number, endMs: number): ReadSamples {
  const timestamps: number[] = [];
  const values: number[] = [];
  const live = sources.filter((s) => s.ts.length > 0);
  live.sort((a, b) => a.ts[0] - b.ts[0] || a.seq - b.seq);
  let disjoint = true;
  let anyStale = false;
  for (let i = 0; i < live.length; i++) {
    if (live[i].st?.length) anyStale = true;
    if (i > 0 && live[i].ts[0] <= live[i - 1].ts[live[i - 1].ts.length - 1]) disjoint = false;
  }
  if (live.length === 1) {
    // One source (the common case): cut the range by binary search instead of copying sample by sample.
    const { ts, vs, st } = live[0];
    const from = lowerBound(ts, startMs);
    const to = lowerBound(ts, endMs + 1);
    const stale = anyStale ? staleFlags(st!, from, to) : undefined;
    if (from === 0 && to === ts.length) return withStale({ timestamps: ts, values: vs }, stale);
    return withStale({ timestamps: ts.slice(from, to), values: vs.slice(from, to) }, stale);
  }
  const flags: number[] = [];
  if (disjoint) {
    for (const s of live) {
      const st = s.st;
      let k = 0;
      for (let i = 0; i < s.ts.length; i++) {
        const t = s.ts[i];
        const isStale = st !== undefined && st[k] === i;
        if (isStale) k++;
        if (t >= startMs && t <= endMs) {
          timestamps.push(t);
          values.push(s.vs[i]);
          if (anyStale) flags.push(isStale ? 1 : 0);
        }
      }
    }
    return withStale({ timestamps, values }, anyStale ? Uint8Array.from(flags) : undefined);
  }
  const all: [number, number, number, number][] = [];
  for (const s of live) {
    const st = s.st;
    let k = 0;
    for (let i = 0; i < s.ts.length; i++) {
      const t = s.ts[i];
      const isStale = st !== undefined && st[k] === i;
      if (isStale) k++;
      if (t >= startMs && t <= endMs) all.push([t, s.seq, s.vs[i], isStale ? 1 : 0]);
    }
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 0; i < all.length; i++) {
    if (i + 1 < all.length && all[i + 1][0] === all[i][0]) continue;
    timestamps.push(all[i][0]);
    values.push(all[i][2]);
    if (anyStale) flags.push(all[i][3]);
  }
  return withStale({ timestamps, values }, anyStale ? Uint8Array.from(flags) : undefined);
}

function staleFlags(st: number[], from: number, to: number): Uint8Array | undefined {
  let flags: Uint8Array | undefined;
  for (const i of st) {
    if (i < from || i >= to) continue;
    flags ??= new Uint8Array(to - from);
    flags[i - from] = 1;
  }
  return flags;
}

function withStale(r: ReadSamples, stale: Uint8Array | undefined): ReadSamples {
  if (stale?.includes(1)) r.stale = stale;
  return r;
}
