// The remote_write hot path: a RemoteWriteSink that maps raw label bytes to a series id by hash
// (no string decoding for known series) and appends samples straight into head chunks.
import type { RemoteWriteSink } from '../ingest/remote-write.js';
import type { Exemplar } from './exemplar-store.js';
import type { Heads } from './head.js';
import type { AppendResult, MetricsStore } from './metrics-store.js';
import { hashBytes, keyHash, type LabelPairs, sortLabels } from './series-index.js';

const decoder = new TextDecoder();

/** Slots of the label-string cache (a power of two). */
const LABEL_STRING_SLOTS = 4096;
/** Longer strings are decoded every time (few repeat: ids, URLs). */
const MAX_CACHED_LABEL_BYTES = 64;

export class RemoteWriteAppender implements RemoteWriteSink {
  private result: AppendResult | undefined;
  /** A DataView over the request being walked, made once per request for hashBytes. */
  private view: DataView | undefined;
  private viewOf: Uint8Array | undefined;
  /** Decoded ASCII label names and values by a hash of their bytes, one per slot (a collision
   * replaces): a new series mostly repeats strings earlier series had (job, instance, le, ...), so
   * it decodes few, and the index's Maps get strings whose hash V8 has already computed. */
  private readonly strings: (string | undefined)[] = new Array(LABEL_STRING_SLOTS).fill(undefined);

  /** The request's exemplars, added once the whole request has been walked. */
  private readonly exemplars: [number, Exemplar][] = [];

  private readonly heads: Heads;

  constructor(private readonly store: MetricsStore) {
    this.heads = store.heads;
  }

  begin(result: AppendResult): void {
    this.result = result;
  }

  /** `applied`: the walk ended well, so the request's exemplars are kept (a malformed request
   * keeps none). */
  end(applied: boolean): void {
    if (applied) for (const [id, e] of this.exemplars) this.store.addExemplar(id, e);
    this.exemplars.length = 0;
    this.result = undefined;
    this.view = undefined;
    this.viewOf = undefined;
  }

  // Each series is saved for undo before its first sample: a malformed request is rolled back
  // (MetricsStore.applyRemoteWrite).
  beginSeries(buf: Uint8Array, offs: Int32Array, n: number): number {
    if (n === 0) {
      this.result!.rejectedSeries++;
      if (this.result!.errors.length < 10) this.result!.errors.push('a series without labels was sent');
      return -1;
    }
    // Labels are contiguous in every sender we know: hash the span from first name to last value.
    const start = offs[0];
    const end = offs[(n - 1) * 4 + 3];
    const index = this.store.index;
    if (end > start) {
      if (this.viewOf !== buf || !this.view) {
        this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        this.viewOf = buf;
      }
      const hash = hashBytes(buf, start, end, this.view);
      const id = index.findByRaw(buf, start, end, hash, this.view);
      if (id !== undefined) {
        this.heads.saveForUndo(id);
        return id;
      }
      const found = this.slowPath(buf, offs, n);
      if (found >= 0) {
        index.rememberRaw(found, buf, start, end, hash);
        this.heads.saveForUndo(found);
      }
      return found;
    }
    const found = this.slowPath(buf, offs, n);
    if (found >= 0) this.heads.saveForUndo(found);
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
    const hash = keyHash(labels);
    const id = this.store.index.findByKey(labels, hash);
    if (id !== undefined) return id;
    return this.store.createSeries(labels, this.result!, hash);
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
    this.exemplars.push([ref, { labels, value, timestampMs }]);
  }
}
