// Write-ahead log: numbered segment files `wal-NNNNNNNN.log` in the data folder. A record is
// [u32 payload length][u8 kind][u32 crc-ish checksum][payload]; remote_write bodies are logged still
// snappy-compressed (cheapest bytes to write). Durability by group commit: records are written with
// a synchronous writev, then one asynchronous fdatasync covers every record queued behind it, so
// callers answer 204 only after their bytes are on disk without a sync per request. A torn record at
// the end of a segment (crash mid-write) ends replay of that segment.
import { closeSync, fdatasync, openSync, readdirSync, readFileSync, unlinkSync, writevSync } from 'node:fs';
import { join } from 'node:path';

export const WAL_KIND_REMOTE_WRITE_SNAPPY = 1;
export const WAL_KIND_SAMPLES_JSON = 2;

const HEADER_BYTES = 9;
const SEGMENT_RE = /^wal-(\d{8})\.log$/;

export interface WalRecord {
  kind: number;
  payload: Uint8Array;
}

function checksum(buf: Uint8Array): number {
  // FNV-1a over the payload: cheap, and enough to tell a torn tail from a record.
  let h = 0x811c9dc5;
  for (let i = 0; i < buf.length; i++) h = Math.imul(h ^ buf[i], 16777619);
  return h >>> 0;
}

export class WriteAheadLog {
  private fd: number;
  private segment: number;
  private waiters: ((err: Error | null) => void)[] = [];
  private syncing = false;
  private closed = false;
  bytesWritten = 0;

  constructor(
    private readonly dir: string,
    private readonly fsync = true,
  ) {
    const existing = listSegments(dir);
    this.segment = existing.length ? existing[existing.length - 1] + 1 : 1;
    this.fd = openSync(this.path(this.segment), 'a');
  }

  private path(n: number): string {
    return join(this.dir, `wal-${String(n).padStart(8, '0')}.log`);
  }

  /** Appends a record; the promise settles once it is durable. */
  append(kind: number, payload: Uint8Array): Promise<void> {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt8(kind, 4);
    header.writeUInt32LE(checksum(payload), 5);
    writevSync(this.fd, [header, payload]);
    this.bytesWritten += HEADER_BYTES + payload.length;
    if (!this.fsync) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push((err) => (err ? reject(err) : resolve()));
      this.kick();
    });
  }

  private kick(): void {
    if (this.syncing || this.waiters.length === 0) return;
    const batch = this.waiters;
    this.waiters = [];
    this.syncing = true;
    const fd = this.fd;
    fdatasync(fd, (err) => {
      this.syncing = false;
      for (const w of batch) w(err);
      if (fd !== this.fd) closeSync(fd);
      this.kick();
    });
  }

  /** Starts a new segment and returns the numbers of the older ones (now safe to delete once the
   * state they hold is persisted elsewhere). */
  rotate(): number[] {
    const old = this.fd;
    const olderSegments = listSegments(this.dir);
    this.segment++;
    this.fd = openSync(this.path(this.segment), 'a');
    // An fdatasync in flight still holds the old fd; it closes it when done.
    if (!this.syncing) closeSync(old);
    this.bytesWritten = 0;
    return olderSegments.filter((n) => n < this.segment);
  }

  removeSegments(segments: number[]): void {
    for (const n of segments) unlinkSync(this.path(n));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.syncing || this.waiters.length) await new Promise((r) => setImmediate(r));
    closeSync(this.fd);
  }
}

function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => SEGMENT_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Every intact record of every segment in `dir`, oldest first. */
export function* readWal(dir: string): Generator<WalRecord> {
  for (const n of listSegments(dir)) {
    const buf = readFileSync(join(dir, `wal-${String(n).padStart(8, '0')}.log`));
    let pos = 0;
    while (pos + HEADER_BYTES <= buf.length) {
      const len = buf.readUInt32LE(pos);
      const kind = buf.readUInt8(pos + 4);
      const sum = buf.readUInt32LE(pos + 5);
      const end = pos + HEADER_BYTES + len;
      if (end > buf.length) break;
      const payload = buf.subarray(pos + HEADER_BYTES, end);
      if (checksum(payload) !== sum) break;
      yield { kind, payload };
      pos = end;
    }
  }
}
