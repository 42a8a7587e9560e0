// A remote_write 1.0 WriteRequest walked into flat typed arrays (walkWriteRequest over a collecting
// sink), so that the walk can run on a worker thread and the JS thread only looks series up and
// appends. The whole body is walked before anything is returned: a malformed one throws
// ProtobufError and nothing of it reaches the store. Exemplars are only flagged: a request that has
// any is walked again on the JS thread by the store's own sink (rare; the sample path stays flat).
import { type RemoteWriteSink, walkWriteRequest } from './remote-write.js';

/** Int32s per series in `DecodedWriteRequest.series`. */
export const SERIES_FIELDS = 6;
/** Offsets of a series' fields: its label span in `raw` (first name to last value), the span's hash,
 * its first label in `labels` (4 Int32s per label: nameStart, nameEnd, valueStart, valueEnd), its
 * label count, and its sample count (samples follow each other series by series). */
export const S_START = 0;
export const S_END = 1;
export const S_HASH = 2;
export const S_LABEL = 3;
export const S_LABELS = 4;
export const S_SAMPLES = 5;

export interface DecodedWriteRequest {
  /** The decompressed WriteRequest; label offsets index into it. */
  raw: Uint8Array;
  seriesCount: number;
  sampleCount: number;
  series: Int32Array;
  labels: Int32Array;
  /** Timestamp (ms) then value, per sample. */
  samples: Float64Array;
  /** 1 for a staleness marker (its value is NaN), per sample; undefined when there is none. */
  stale: Uint8Array | undefined;
  /** The request holds exemplars: walk `raw` again with a sink that takes them. */
  hasExemplars: boolean;
}

/** Hash of raw[start, end): the store's raw-label-key hash, computed here off the JS thread. */
export type SpanHash = (buf: Uint8Array, start: number, end: number, view: DataView) => number;

class CollectingSink implements RemoteWriteSink {
  series: Int32Array = new Int32Array(256 * SERIES_FIELDS);
  labels: Int32Array = new Int32Array(256 * 4 * 8);
  samples: Float64Array = new Float64Array(4096);
  stale: Uint8Array = new Uint8Array(2048);
  seriesCount = 0;
  labelCount = 0;
  sampleCount = 0;
  anyStale = false;
  hasExemplars = false;
  private view: DataView | undefined;

  constructor(private readonly hash: SpanHash) {}

  reset(buf: Uint8Array): void {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.seriesCount = this.labelCount = this.sampleCount = 0;
    this.anyStale = this.hasExemplars = false;
  }

  beginSeries(buf: Uint8Array, offs: Int32Array, n: number): number {
    const s = this.seriesCount * SERIES_FIELDS;
    if (s + SERIES_FIELDS > this.series.length) this.series = grow32(this.series, s + SERIES_FIELDS);
    const l = this.labelCount * 4;
    if (l + n * 4 > this.labels.length) this.labels = grow32(this.labels, l + n * 4);
    const labels = this.labels;
    for (let i = 0; i < n * 4; i++) labels[l + i] = offs[i];
    const start = n > 0 ? offs[0] : 0;
    const end = n > 0 ? offs[(n - 1) * 4 + 3] : 0;
    const series = this.series;
    series[s + S_START] = start;
    series[s + S_END] = end;
    series[s + S_HASH] = end > start ? this.hash(buf, start, end, this.view!) : 0;
    series[s + S_LABEL] = this.labelCount;
    series[s + S_LABELS] = n;
    series[s + S_SAMPLES] = 0;
    this.labelCount += n;
    return this.seriesCount++;
  }

  sample(ref: number, t: number, v: number, stale: boolean): void {
    const k = this.sampleCount;
    if (2 * k + 2 > this.samples.length) {
      const next = new Float64Array(this.samples.length * 2);
      next.set(this.samples);
      this.samples = next;
      const flags = new Uint8Array(next.length / 2);
      flags.set(this.stale);
      this.stale = flags;
    }
    this.samples[2 * k] = t;
    this.samples[2 * k + 1] = v;
    this.stale[k] = stale ? 1 : 0;
    if (stale) this.anyStale = true;
    this.series[ref * SERIES_FIELDS + S_SAMPLES]++;
    this.sampleCount = k + 1;
  }

  exemplar(): void {
    this.hasExemplars = true;
  }
}

function grow32(a: Int32Array, atLeast: number): Int32Array {
  const next = new Int32Array(Math.max(a.length * 2, atLeast));
  next.set(a);
  return next;
}

/** Walks `raw` into exact-size arrays (their own buffers, ready to be transferred); throws
 * ProtobufError on malformed bytes. Sinks are reused per hash function (walks are synchronous). */
export function decodeWriteRequest(raw: Uint8Array, hash: SpanHash): DecodedWriteRequest {
  let sink = sinks.get(hash);
  if (!sink) {
    sink = new CollectingSink(hash);
    sinks.set(hash, sink);
  }
  sink.reset(raw);
  walkWriteRequest(raw, sink);
  return {
    raw,
    seriesCount: sink.seriesCount,
    sampleCount: sink.sampleCount,
    series: sink.series.slice(0, sink.seriesCount * SERIES_FIELDS),
    labels: sink.labels.slice(0, sink.labelCount * 4),
    samples: sink.samples.slice(0, sink.sampleCount * 2),
    stale: sink.anyStale ? sink.stale.slice(0, sink.sampleCount) : undefined,
    hasExemplars: sink.hasExemplars,
  };
}

const sinks = new Map<SpanHash, CollectingSink>();
