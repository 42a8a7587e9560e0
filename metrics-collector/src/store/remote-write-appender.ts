// The remote_write hot path: a RemoteWriteSink that maps raw label bytes to a series id by hash
// (no string decoding for known series) and appends samples straight into head chunks.
import type { RemoteWriteSink } from '../ingest/remote-write.js';
import {
  type DecodedWriteRequest,
  S_END,
  S_HASH,
  S_LABEL,
  S_LABELS,
  S_SAMPLES,
  S_START,
  SERIES_FIELDS,
} from '../ingest/remote-write-decode.js';
import type { AppendResult, MetricsStore } from './metrics-store.js';
import { hashBytes, type LabelPairs, sortLabels } from './series-index.js';

const decoder = new TextDecoder();

/** Slots of the label-string cache (a power of two). */
const LABEL_STRING_SLOTS = 4096;
/** Longer strings are decoded every time (few repeat: ids, URLs). */
const MAX_CACHED_LABEL_BYTES = 64;

function labelsOf(labels: Int32Array, first: number, n: number): Int32Array {
  return labels.subarray(first * 4, (first + n) * 4);
}

export class RemoteWriteAppender implements RemoteWriteSink {
  private result: AppendResult | undefined;
  /** A DataView over the request being walked, made once per request for hashBytes. */
  private view: DataView | undefined;
  private viewOf: Uint8Array | undefined;
  /** Decoded ASCII label names and values by a hash of their bytes, one per slot (a collision
   * replaces): a new series mostly repeats strings earlier series had (job, instance, le, ...), so
   * it decodes few, and the index's Maps get strings whose hash V8 has already computed. */
  private readonly strings: (string | undefined)[] = new Array(LABEL_STRING_SLOTS).fill(undefined);

  constructor(private readonly store: MetricsStore) {}

  begin(result: AppendResult): void {
    this.result = result;
  }

  end(): void {
    this.result = undefined;
    this.view = undefined;
    this.viewOf = undefined;
  }

  beginSeries(buf: Uint8Array, offs: Int32Array, n: number): number {
    if (n === 0) return this.refuseUnlabelled();
    // Labels are contiguous in every sender we know: hash the span from first name to last value.
    const start = offs[0];
    const end = offs[(n - 1) * 4 + 3];
    if (end <= start) return this.slowPath(buf, offs, n);
    if (this.viewOf !== buf || !this.view) {
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.viewOf = buf;
    }
    return this.lookup(buf, offs, n, start, end, hashBytes(buf, start, end, this.view));
  }

  /** Appends a request decoded off the JS thread (decodeWriteRequest): the series' hashes are
   * computed, so this only looks series up and appends. Between begin() and end(). */
  appendDecoded(d: DecodedWriteRequest): void {
    const { raw, series, labels, samples, stale } = d;
    this.view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    this.viewOf = raw;
    const store = this.store;
    const result = this.result!;
    let k = 0;
    for (let s = 0; s < d.seriesCount * SERIES_FIELDS; s += SERIES_FIELDS) {
      const n = series[s + S_LABELS];
      const start = series[s + S_START];
      const end = series[s + S_END];
      let id: number;
      if (n === 0) id = this.refuseUnlabelled();
      else if (end > start) {
        const hash = series[s + S_HASH] >>> 0;
        id =
          store.index.findByRaw(raw, start, end, hash, this.view) ??
          this.addRaw(raw, labelsOf(labels, series[s + S_LABEL], n), n, start, end, hash);
      } else id = this.slowPath(raw, labelsOf(labels, series[s + S_LABEL], n), n);
      const stop = k + series[s + S_SAMPLES];
      if (id < 0) {
        k = stop;
        continue;
      }
      for (; k < stop; k++)
        store.appendSample(id, samples[2 * k], samples[2 * k + 1], result, stale?.[k] === 1);
    }
  }

  private refuseUnlabelled(): number {
    this.result!.rejectedSeries++;
    if (this.result!.errors.length < 10) this.result!.errors.push('a series without labels was sent');
    return -1;
  }

  private lookup(
    buf: Uint8Array,
    offs: Int32Array,
    n: number,
    start: number,
    end: number,
    hash: number,
  ): number {
    return (
      this.store.index.findByRaw(buf, start, end, hash, this.view) ??
      this.addRaw(buf, offs, n, start, end, hash)
    );
  }

  /** A label span the raw-key table does not know: by sorted labels (or a new series), then remembered. */
  private addRaw(
    buf: Uint8Array,
    offs: Int32Array,
    n: number,
    start: number,
    end: number,
    hash: number,
  ): number {
    const found = this.slowPath(buf, offs, n);
    if (found >= 0) this.store.index.rememberRaw(found, buf, start, end, hash);
    return found;
  }

  private slowPath(buf: Uint8Array, offs: Int32Array, n: number): number {
    const labels: LabelPairs = [];
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      if (offs[o + 3] === offs[o + 2]) continue; // an empty label value means the label is absent
      labels.push([this.decode(buf, offs[o], offs[o + 1]), this.decode(buf, offs[o + 2], offs[o + 3])]);
    }
    sortLabels(labels);
    const id = this.store.index.findByKey(labels);
    if (id !== undefined) return id;
    return this.store.createSeries(labels, this.result!);
  }

  /** UTF-8 text of buf[start, end), from the cache when it holds these ASCII bytes. */
  private decode(buf: Uint8Array, start: number, end: number): string {
    const len = end - start;
    if (len > MAX_CACHED_LABEL_BYTES || len === 0 || !this.view)
      return decoder.decode(buf.subarray(start, end));
    const slot = hashBytes(buf, start, end, this.view) & (LABEL_STRING_SLOTS - 1);
    const cached = this.strings[slot];
    if (cached !== undefined && cached.length === len) {
      let i = 0;
      while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === len) return cached;
    }
    const text = decoder.decode(buf.subarray(start, end));
    // Only ASCII is cached: there one char per byte makes the check above exact.
    if (text.length === len) {
      let ascii = true;
      for (let i = 0; i < len && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
      if (ascii) this.strings[slot] = text;
    }
    return text;
  }

  sample(ref: number, t: number, v: number, stale: boolean): void {
    this.store.appendSample(ref, t, v, this.result!, stale);
  }

  exemplar(ref: number, labels: Record<string, string>, value: number, timestampMs: number): void {
    this.store.addExemplar(ref, { labels, value, timestampMs });
  }
}
