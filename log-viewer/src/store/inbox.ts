// The durable inbox (write-ahead log) in front of the block store. Every append is one frame
// [u32 payload length][u32 crc32][payload: JSON array of rows] written to the current segment file;
// appends that arrive while an fdatasync is in flight share the next one (group commit), and a
// promise resolves only after the sync that covers its frame. Segments are deleted once every row in
// them has been sealed into a block (the store passes a low-water seq). A torn frame at the tail of a
// segment (crash mid-write) ends replay of that segment; everything acknowledged before it is intact.
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Row } from './row.js';

/** Start a new segment after this many bytes. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
/** A fully sealed current segment is closed and deleted once it holds this much. */
const RELEASE_CURRENT_BYTES = 1024 * 1024;
const SEGMENT_NAME = /^seg-(\d{10})\.log$/;

interface Segment {
  index: number;
  path: string;
  /** Highest seq written to it (-1 when empty). */
  maxSeq: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Inbox {
  private segments: Segment[] = [];
  private fd = -1;
  private size = 0;
  private syncing = false;
  /** Frames written since the last sync started. */
  private waiting: Waiter[] = [];
  private closed = false;

  private constructor(private readonly dir: string) {}

  /** Opens the inbox, returning the rows of every intact frame (the caller drops sealed ones). */
  static open(dir: string): { inbox: Inbox; rows: Row[] } {
    mkdirSync(dir, { recursive: true });
    const inbox = new Inbox(dir);
    const rows: Row[] = [];
    const names = readdirSync(dir)
      .filter((n) => SEGMENT_NAME.test(n))
      .sort();
    for (const name of names) {
      const index = Number(SEGMENT_NAME.exec(name)![1]);
      const seg: Segment = { index, path: join(dir, name), maxSeq: -1 };
      for (const row of readFrames(readFileSync(seg.path))) {
        rows.push(row);
        if (row.seq > seg.maxSeq) seg.maxSeq = row.seq;
      }
      inbox.segments.push(seg);
    }
    inbox.startSegment();
    return { inbox, rows };
  }

  /** Writes the rows and resolves after they are on disk. */
  append(rows: Row[]): Promise<void> {
    return this.appendEncoded(rows, encodeRows(rows));
  }

  /** Same as append() when the caller already has encodeRows(rows) (it also feeds the seal worker). */
  appendEncoded(rows: Row[], text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('inbox is closed'));
    const payload = Buffer.from(text, 'utf8');
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    if (this.size > 0 && this.size + payload.length > SEGMENT_BYTES) this.startSegment();
    writeSync(this.fd, header);
    writeSync(this.fd, payload);
    this.size += payload.length + 8;
    const seg = this.segments[this.segments.length - 1];
    for (const r of rows) if (r.seq > seg.maxSeq) seg.maxSeq = r.seq;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.syncing) this.sync();
    });
  }

  private sync(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.syncing = true;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      for (const w of batch) err ? w.reject(err) : w.resolve();
      if (this.waiting.length > 0) this.sync();
    });
  }

  private startSegment(): void {
    if (this.fd >= 0) {
      fdatasyncSync(this.fd); // frames still waiting on the old fd must be durable before we move on
      closeSync(this.fd);
    }
    const index = (this.segments.at(-1)?.index ?? 0) + 1;
    const path = join(this.dir, `seg-${String(index).padStart(10, '0')}.log`);
    this.fd = openSync(path, 'a');
    this.size = 0;
    this.segments.push({ index, path, maxSeq: -1 });
    const dirFd = openSync(this.dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  }

  /** Deletes closed segments whose rows all have seq < lowWaterSeq (i.e. are sealed in blocks). */
  release(lowWaterSeq: number): void {
    const current = this.segments[this.segments.length - 1];
    this.segments = this.segments.filter((s) => {
      if (s === current || s.maxSeq >= lowWaterSeq) return true;
      rmSync(s.path, { force: true });
      return false;
    });
    if (current.maxSeq >= 0 && current.maxSeq < lowWaterSeq && this.size > RELEASE_CURRENT_BYTES) {
      this.startSegment();
      this.release(lowWaterSeq);
    }
  }

  /** Segment files not yet released (the current one included). */
  segmentCount(): number {
    return this.segments.length;
  }

  /** Waits for in-flight syncs, then closes the file. */
  async close(): Promise<void> {
    while (this.syncing || this.waiting.length > 0) {
      await new Promise<void>((resolve) =>
        this.waiting.length > 0 || this.syncing ? setImmediate(resolve) : resolve(),
      );
    }
    this.closed = true;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * A frame's payload: a JSON array of row tuples (one native JSON.stringify call; measured 2.5× faster
 * than splicing pre-serialized attributes into a template string, even though it escapes them again).
 */
export function encodeRows(rows: Row[]): string {
  const tuples: Tuple[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    tuples[i] = [
      r.seq,
      r.ms,
      r.subNs,
      r.obsMs,
      r.obsSubNs,
      r.level,
      r.severity,
      r.levelText,
      r.service,
      r.host,
      r.message,
      r.attrs,
      r.traceId,
      r.spanId,
      r.labels,
      r.protocol,
    ];
  }
  return JSON.stringify(tuples);
}

type Tuple = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  Row['protocol'],
];

export function decodeRows(text: string): Row[] {
  return (JSON.parse(text) as Tuple[]).map((t) => ({
    seq: t[0],
    ms: t[1],
    subNs: t[2],
    obsMs: t[3],
    obsSubNs: t[4],
    level: t[5],
    severity: t[6],
    levelText: t[7],
    service: t[8],
    host: t[9],
    message: t[10],
    attrs: t[11],
    traceId: t[12],
    spanId: t[13],
    labels: t[14],
    protocol: t[15],
  }));
}

function* readFrames(buf: Buffer): Generator<Row> {
  let off = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (off + 8 + len > buf.length) return; // torn tail
    const payload = buf.subarray(off + 8, off + 8 + len);
    if (crc32(payload) !== sum) return;
    yield* decodeRows(payload.toString('utf8'));
    off += 8 + len;
  }
}
