// Series rows of a stripe of ids in one row (the series_blocks table, format 1): at 60 samples per
// series a row per series (id, pair-id text, expiry) cost ~21 bytes, a third of the samples' own.
// Layout: u8 format (head-block.ts frame: 1 as is, 2 zstd), then varint s and s series, ascending:
//   zigzag id − previous id (the first against 0)
//   varint p, then p label-pair ids (label-name order), each as zigzag(id − the previous series'
//     pair id at the same position, 0 past its end): series of one metric and instance differ in
//     one or two positions
//   varint 0 (no expiry) or 1 then zigzag expires_ms
import { frame, unframe } from './head-block.js';
import { ByteReader, ByteWriter } from './packed-ints.js';

/** Expiry times beyond this are stored as it (year ~73,000): the zigzag varint is exact only
 * below 2^52, and a push may ask for any positive ttl_seconds (1e309 parses as Infinity). */
export const MAX_EXPIRES_MS = 2 ** 51;

/** An expiry as the series row holds it: whole ms (a fractional one, from a ttl_seconds such as
 * 86400.0006, was written as a broken varint that read back as a negative time, so the series
 * vanished at the next start), at most MAX_EXPIRES_MS (Infinity never ended the varint loop). */
export function storableExpiryMs(ms: number): number {
  return Math.max(-MAX_EXPIRES_MS, Math.min(MAX_EXPIRES_MS, Math.ceil(ms)));
}

export interface SeriesRow {
  id: number;
  /** label_pairs ids in label-name order. */
  pairs: number[];
  expiresMs?: number;
}

/** Encodes the rows of one stripe; `rows` ascending by id. */
export function encodeSeriesBlock(rows: SeriesRow[]): Uint8Array {
  const w = new ByteWriter(12 * rows.length + 16);
  w.zigzag(rows.length);
  let prevId = 0;
  let prev: number[] = [];
  for (const row of rows) {
    w.zigzag(row.id - prevId);
    prevId = row.id;
    w.zigzag(row.pairs.length);
    for (let i = 0; i < row.pairs.length; i++) w.zigzag(row.pairs[i] - (prev[i] ?? 0));
    prev = row.pairs;
    if (row.expiresMs === undefined) w.zigzag(0);
    else {
      w.zigzag(1);
      w.zigzag(storableExpiryMs(row.expiresMs));
    }
  }
  return frame(w.bytes());
}

export function decodeSeriesBlock(data: Uint8Array): SeriesRow[] {
  const r = new ByteReader(unframe(data));
  const out: SeriesRow[] = [];
  let id = 0;
  let prev: number[] = [];
  for (let n = r.zigzag(); n > 0; n--) {
    id += r.zigzag();
    const pairs = new Array<number>(r.zigzag());
    for (let i = 0; i < pairs.length; i++) pairs[i] = (prev[i] ?? 0) + r.zigzag();
    prev = pairs;
    const row: SeriesRow = { id, pairs };
    if (r.zigzag() === 1) row.expiresMs = r.zigzag();
    out.push(row);
  }
  return out;
}
