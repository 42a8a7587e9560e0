// The remote_write hot path: a RemoteWriteSink that maps raw label bytes to a series id by hash
// (no string decoding for known series) and appends samples straight into head chunks.
import type { RemoteWriteSink } from '../ingest/remote-write.js';
import type { AppendResult, MetricsStore } from './metrics-store.js';
import { hashBytes, type LabelPairs, sortLabels } from './series-index.js';

const decoder = new TextDecoder();

export class RemoteWriteAppender implements RemoteWriteSink {
  private result: AppendResult | undefined;
  /** A DataView over the request being walked, made once per request for hashBytes. */
  private view: DataView | undefined;
  private viewOf: Uint8Array | undefined;

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
      if (id !== undefined) return id;
      const found = this.slowPath(buf, offs, n);
      if (found >= 0) index.rememberRaw(found, buf, start, end, hash);
      return found;
    }
    return this.slowPath(buf, offs, n);
  }

  private slowPath(buf: Uint8Array, offs: Int32Array, n: number): number {
    const labels: LabelPairs = [];
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      const value = decoder.decode(buf.subarray(offs[o + 2], offs[o + 3]));
      if (value === '') continue; // an empty label value means the label is absent
      labels.push([decoder.decode(buf.subarray(offs[o], offs[o + 1])), value]);
    }
    sortLabels(labels);
    const id = this.store.index.findByKey(labels);
    if (id !== undefined) return id;
    return this.store.createSeries(labels, this.result!);
  }

  sample(ref: number, t: number, v: number, stale: boolean): void {
    this.store.appendSample(ref, t, v, this.result!, stale);
  }

  exemplar(ref: number, labels: Record<string, string>, value: number, timestampMs: number): void {
    this.store.addExemplar(ref, { labels, value, timestampMs });
  }
}
