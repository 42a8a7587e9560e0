// Head snapshots of a stripe of series ids in one row (the head_blocks table, format 1).
// At a checkpoint every series' open chunk and out-of-order buffer are written so the log can be
// dropped. As a row per series (head_chunks, until migration 6) a 60-sample series cost ~70 bytes
// there: ~20 of row and key, ~11 of timestamps (t0, first delta, packed-block headers) and ~40 of
// values. Here the series of a stripe that were sampled at the same times (a scrape tick, a
// remote_write sender's batch) share one timestamp column, and the row's overhead is paid once per
// stripe. Layout (varints as packed-ints.ts writes them):
//   u8 format         1 = the body as is, 2 = zstd(body)
//   body:  varint c, then c timestamp columns: varint n, packed times (packed-samples.ts)
//          varint s, then s series, ascending ids:
//            zigzag id − previous id (the first against 0)
//            zigzag appSeq − previous series' appSeq
//            varint app: 0 no open chunk; 1 a chunk: varint encoding, varint length, bytes
//              (chunk-codec.ts); 2 + k decimals sampled at column k: packed value header + body
//            varint ooo: 0 none; 1 zigzag oooSeq − appSeq then a chunk as above
// A series that is not decimal, or whose times no column holds and do not pack, takes app = 1.
// Persisted bytes: a new layout gets a new format number.
import { compress, decodeChunk, decompress, encodeSealedChunk } from './chunk-codec.js';
import { ByteReader, ByteWriter } from './packed-ints.js';
import {
  decimalExponent,
  readPackedTimes,
  readValueBody,
  readValueHeader,
  writePackedTimes,
  writeValueBody,
  writeValueHeader,
} from './packed-samples.js';

const FORMAT_PLAIN = 1;
const FORMAT_ZSTD = 2;
const APP_NONE = 0;
const APP_CHUNK = 1;
const APP_COLUMN = 2;

export interface SnapshotSamples {
  ts: number[];
  vs: number[];
  /** Ascending indexes of staleness markers. */
  stale: number[];
}

export interface HeadSnapshot {
  id: number;
  appSeq: number;
  app?: SnapshotSamples;
  ooo?: SnapshotSamples & { seq: number };
}

/** Encodes the snapshots of one stripe, added in ascending id order one at a time (a checkpoint
 * decodes one head, adds it and lets it go: a stripe of 720-sample heads decoded at once would
 * take ~12 MB). */
export class HeadBlockWriter {
  private readonly columns: number[][] = [];
  private readonly columnBytes = new ByteWriter(256);
  private readonly byKey = new Map<string, number[]>();
  private readonly body = new ByteWriter(4096);
  private readonly scratch = new ByteWriter(256);
  private prevId = 0;
  private prevSeq = 0;
  count = 0;

  add(s: HeadSnapshot): void {
    const { body, scratch } = this;
    body.zigzag(s.id - this.prevId);
    body.zigzag(s.appSeq - this.prevSeq);
    this.prevId = s.id;
    this.prevSeq = s.appSeq;
    this.count++;
    const app = s.app;
    if (!app || app.ts.length === 0) body.zigzag(APP_NONE);
    else {
      const e = decimalExponent(app.vs, app.stale.length > 0 ? app.stale : undefined);
      const column = e < 0 ? -1 : this.columnOf(app.ts);
      let packed = false;
      if (column >= 0) {
        scratch.pos = 0;
        writeValueHeader(scratch, e, app.stale);
        packed = writeValueBody(scratch, app.vs, e, app.stale);
      }
      if (packed) {
        body.zigzag(APP_COLUMN + column);
        append(body, scratch.bytes());
      } else {
        body.zigzag(APP_CHUNK);
        writeChunk(body, app);
      }
    }
    if (!s.ooo || s.ooo.ts.length === 0) body.zigzag(0);
    else {
      body.zigzag(1);
      body.zigzag(s.ooo.seq - s.appSeq);
      writeChunk(body, s.ooo);
    }
  }

  finish(): Uint8Array {
    const plain = new ByteWriter(this.columnBytes.pos + this.body.pos + 16);
    plain.zigzag(this.columns.length);
    append(plain, this.columnBytes.bytes());
    plain.zigzag(this.count);
    append(plain, this.body.bytes());
    return frame(plain.bytes());
  }

  /** The index of the column holding exactly `ts`, adding it when new; -1 when the times do not pack. */
  private columnOf(ts: number[]): number {
    const { columns, byKey } = this;
    const key = `${ts.length},${ts[0]},${ts[1]},${ts[ts.length - 1]}`;
    const candidates = byKey.get(key);
    if (candidates) for (const c of candidates) if (sameTimes(columns[c], ts)) return c;
    const out = this.columnBytes;
    const at = out.pos;
    out.zigzag(ts.length);
    if (!writePackedTimes(out, ts)) {
      out.pos = at;
      return -1;
    }
    columns.push(ts);
    if (candidates) candidates.push(columns.length - 1);
    else byKey.set(key, [columns.length - 1]);
    return columns.length - 1;
  }
}

/** The snapshots of a block written by HeadBlockWriter, one at a time. */
export function* readHeadBlock(data: Uint8Array): Generator<HeadSnapshot> {
  const r = new ByteReader(unframe(data));
  const columns: number[][] = [];
  for (let c = r.zigzag(); c > 0; c--) {
    const ts: number[] = [];
    readPackedTimes(r, r.zigzag(), ts);
    columns.push(ts);
  }
  let id = 0;
  let appSeq = 0;
  for (let n = r.zigzag(); n > 0; n--) {
    id += r.zigzag();
    appSeq += r.zigzag();
    const s: HeadSnapshot = { id, appSeq };
    const app = r.zigzag();
    if (app === APP_CHUNK) s.app = readChunk(r);
    else if (app >= APP_COLUMN) {
      const ts = columns[app - APP_COLUMN];
      if (!ts) throw new Error('head block corrupt: timestamp column');
      const samples: SnapshotSamples = { ts: ts.slice(), vs: [], stale: [] };
      readValueBody(r, ts.length, readValueHeader(r), samples.vs, samples.stale);
      s.app = samples;
    }
    if (r.zigzag() === 1) {
      const seq = appSeq + r.zigzag();
      s.ooo = { seq, ...readChunk(r) };
    }
    yield s;
  }
}

function sameTimes(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function writeChunk(w: ByteWriter, s: SnapshotSamples): void {
  const enc = encodeSealedChunk(s.ts, s.vs, s.stale);
  w.zigzag(enc.encoding);
  w.zigzag(enc.data.length);
  append(w, enc.data);
}

function readChunk(r: ByteReader): SnapshotSamples {
  const encoding = r.zigzag();
  const length = r.zigzag();
  if (r.pos + length > r.buf.length) throw new Error('head block truncated');
  const s: SnapshotSamples = { ts: [], vs: [], stale: [] };
  decodeChunk(encoding, r.buf.subarray(r.pos, r.pos + length), s.ts, s.vs, s.stale);
  r.pos += length;
  return s;
}

function append(w: ByteWriter, bytes: Uint8Array): void {
  w.ensure(bytes.length);
  w.buf.set(bytes, w.pos);
  w.pos += bytes.length;
}

/** The format byte + the body, zstd'd when that is smaller (the per-series headers and ids are
 * repetitive; bit-packed values are not). Shared with series-block.ts. */
export function frame(plain: Uint8Array): Uint8Array {
  const z = plain.length > 64 ? compress(plain) : undefined;
  const out = new Uint8Array(1 + (z && z.length < plain.length ? z.length : plain.length));
  if (z && z.length < plain.length) {
    out[0] = FORMAT_ZSTD;
    out.set(z, 1);
  } else {
    out[0] = FORMAT_PLAIN;
    out.set(plain, 1);
  }
  return out;
}

export function unframe(data: Uint8Array): Uint8Array {
  if (data[0] === FORMAT_PLAIN) return data.subarray(1);
  if (data[0] === FORMAT_ZSTD) return decompress(data.subarray(1));
  throw new Error(`unknown block format ${data[0]}`);
}
