// Write-ahead log: numbered segment files `wal-NNNNNNNN.log` in the data folder. A record is
// [u32 payload length][u8 kind][u32 checksum][payload]; remote_write bodies are logged still
// snappy-compressed (cheapest bytes to write). Durability by group commit: records are written with
// an asynchronous writev (libuv's pool: the JS thread goes on with the next request instead of
// waiting in the kernel, 13-26 us of wall time per 14 KB record measured here for ~5 us of CPU; the
// records appended while a write is in flight go together in the next one), and
// once every record before it is written too, one asynchronous fdatasync covers every record queued
// behind it, so callers answer 204 only after their bytes are on disk without a sync per request.
// Records are released to a sync in the order they were appended: a record written after a hole
// (an earlier write still in flight) would not replay after a crash, as replay of a segment stops
// at the first torn or zero record.
// Segments are preallocated and zero-filled, and records are written in place: an fdatasync then
// flushes data blocks only, with no file-size or extent change to journal — measured here it took
// about half as long as on a growing file. The first segment is made when the log is opened (at
// start-up, not in the first request: zero-filling and syncing 8 MB on the JS thread blocked it for
// 13-160 ms here), and the next one is prepared in the background as soon as a segment is taken,
// so that the switch after a checkpoint's rotate() finds it ready too (prepared once the current
// segment was half full, it was missing after a rotate() before that point, and the first request
// after each checkpoint made one on the JS thread).
import {
  close as closeAsync,
  closeSync,
  fdatasync,
  fsync as fsyncAsync,
  fsyncSync,
  open as openAsync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  write,
  writeSync,
  writev,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const WAL_KIND_REMOTE_WRITE_SNAPPY = 1;
export const WAL_KIND_SAMPLES_JSON = 2;

const HEADER_BYTES = 9;
/** Set in the kind byte of records whose checksum is CRC-32 (zlib.crc32, native: ~4 µs for a 14 KB
 * remote_write body where the JS FNV-1a loop of the first format took ~22 µs, and up to ~160 µs in
 * the server's profile). Records without it carry FNV-1a and still replay. */
const KIND_CRC32 = 0x80;
/** fdatasync calls allowed in flight at once (libuv runs them on its thread pool). Records written
 * while one is in flight need a sync that starts after them; with one at a time they waited for
 * the rest of the running sync first. In-process, 8 writers of 2,000-sample requests on this shared
 * disk (fdatasync 3-8 ms under load), 8 runs each: median 1.33 M samples/s with 1, 1.86 with 2;
 * 3 or 4 made every sync slower. */
export const MAX_CONCURRENT_SYNCS = 2;
export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
/** Records per writev at most (IOV_MAX is 1024 buffers; two per record). */
const MAX_RECORDS_PER_WRITE = 256;
const ZEROS = Buffer.alloc(1024 * 1024);
const SEGMENT_RE = /^wal-(\d{8})\.log$/;

export interface WalRecord {
  kind: number;
  payload: Uint8Array;
}

/** The first format's checksum (kind byte without KIND_CRC32), kept to replay older logs. */
function fnv1a(buf: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < buf.length; i++) h = Math.imul(h ^ buf[i], 16777619);
  return h >>> 0;
}

/** A record from append() until it is durable (or failed). */
interface Pending {
  fd: number;
  /** Where it goes in the segment, and its bytes until they are handed to a write. */
  pos: number;
  bytes: number;
  header: Buffer | undefined;
  payload: Uint8Array | undefined;
  /** rotate() calls before it was appended: a later rotate means a checkpoint holds its data. */
  generation: number;
  written: boolean;
  error: Error | null;
  settle: (err: Error | null) => void;
}

/** An fdatasync from its start until its records are settled. */
interface Sync {
  fd: number;
  batch: Pending[];
  running: boolean;
  error: Error | null;
  /** Syncs of the same fd still running when this one returned. */
  beside: Sync[];
}

interface Segment {
  n: number;
  fd: number;
  size: number;
}

export class WriteAheadLog {
  private fd = -1;
  private segment: number;
  private pos = 0;
  private size = 0;
  private generation = 0;
  /** Appended records whose write, or an earlier record's write, is still in flight (in order). */
  private writing: Pending[] = [];
  /** Appended records not yet handed to a write: they wait for the write in flight. */
  private queued: Pending[] = [];
  private writesInFlight = 0;
  /** Written records (and all before them) waiting for a sync. */
  private waiters: Pending[] = [];
  private syncsInFlight = 0;
  /** Syncs started and not yet settled, in start order. */
  private syncs: Sync[] = [];
  /** Per fd: records not yet settled plus syncs in flight. A replaced segment's fd is closed when
   * its count drops to zero. */
  private readonly users = new Map<number, number>();
  /** Fds whose write or sync failed: later records in them may sit behind a hole (and after a failed
   * fdatasync Linux may have dropped the dirty pages, so a later sync's success proves nothing),
   * so they fail too and the next record opens a new segment. A set, not the last one: a second
   * segment failing must not make the first one's late writes look good again. */
  private readonly brokenFds = new Set<number>();
  /** The next segment, zero-filled in the background (`ready` once usable). */
  private spare: (Segment & { ready: boolean; abandoned: boolean }) | undefined;
  private closed = false;
  readonly stats = { syncs: 0, syncMs: 0, writes: 0 };

  constructor(
    private readonly dir: string,
    private readonly fsync = true,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
    /** Zero-fill the next segment in the background (tests that count files turn it off). */
    private readonly prepareNext = true,
  ) {
    const existing = listSegments(dir);
    this.segment = existing.length ? existing[existing.length - 1] : 0;
    if (prepareNext) {
      try {
        this.nextSegment(0);
      } catch {
        // A full disk: the service starts anyway, and the first append tries again and fails there.
      }
    }
  }

  /** The segment records go to now (before the first append without prepareNext: the last one
   * found, or 0). */
  get currentSegment(): number {
    return this.segment;
  }

  private path(n: number): string {
    return join(this.dir, `wal-${String(n).padStart(8, '0')}.log`);
  }

  private use(fd: number): void {
    this.users.set(fd, (this.users.get(fd) ?? 0) + 1);
  }

  private release(fd: number): void {
    const left = (this.users.get(fd) ?? 1) - 1;
    if (left > 0) this.users.set(fd, left);
    else {
      this.users.delete(fd);
      if (fd !== this.fd) this.closeFd(fd);
    }
  }

  private closeFd(fd: number): void {
    try {
      closeSync(fd);
    } catch {
      // a segment whose I/O failed may fail to close too; nothing more to lose
    }
    this.brokenFds.delete(fd); // the number may come back for a new segment
  }

  /** Switches to the next segment (the background spare when it is ready and large enough). */
  private nextSegment(minBytes: number): void {
    const old = this.fd;
    this.fd = -1;
    if (old >= 0 && !this.users.has(old)) this.closeFd(old);
    const spare = this.spare;
    if (spare?.ready && spare.n === this.segment + 1 && spare.size >= minBytes) {
      this.spare = undefined;
      this.segment = spare.n;
      this.fd = spare.fd;
      this.size = spare.size;
    } else {
      if (spare) {
        // Still being prepared (or too small): numbers must grow in append order, so skip it.
        spare.abandoned = true;
        if (spare.ready) this.dropSpare(spare);
        this.spare = undefined;
        this.segment = Math.max(this.segment, spare.n);
      }
      this.segment++;
      const path = this.path(this.segment);
      const fd = openSync(path, 'w+');
      const size = Math.max(this.segmentBytes, minBytes);
      try {
        for (let at = 0; at < size; at += ZEROS.length)
          writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, size - at), at);
        if (this.fsync) {
          fsyncSync(fd);
          syncDirSync(this.dir);
        }
      } catch (err) {
        // A full disk (ENOSPC): the request gets its 503 and each retry comes back here, which
        // leaked a descriptor and left a partial file every time.
        closeSync(fd);
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
        throw err;
      }
      this.fd = fd;
      this.size = size;
    }
    this.pos = 0;
    if (this.prepareNext && !this.spare && !this.closed) this.prepareSpare();
  }

  /** Zero-fills segment n+1 on libuv's pool, for nextSegment() to take. */
  private prepareSpare(): void {
    const n = this.segment + 1;
    const size = this.segmentBytes;
    const spare = { n, fd: -1, size, ready: false, abandoned: false };
    this.spare = spare;
    const done = (err: Error | null) => {
      if (err || spare.abandoned || this.closed) {
        if (this.spare === spare) this.spare = undefined;
        this.dropSpare(spare);
      } else spare.ready = true;
    };
    openAsync(this.path(n), 'w+', (err, fd) => {
      if (err) return done(err);
      spare.fd = fd;
      const fill = (at: number): void => {
        if (at >= size) {
          if (this.fsync) fsyncAsync(fd, (e) => (e ? done(e) : syncDir(this.dir, done)));
          else done(null);
          return;
        }
        write(fd, ZEROS, 0, Math.min(ZEROS.length, size - at), at, (e) =>
          e ? done(e) : fill(at + ZEROS.length),
        );
      };
      fill(0);
    });
  }

  private dropSpare(spare: Segment): void {
    if (spare.fd >= 0) closeAsync(spare.fd, () => {});
    try {
      unlinkSync(this.path(spare.n));
    } catch {
      // never created
    }
  }

  /** Appends a record; the promise settles once it is durable. */
  append(kind: number, payload: Uint8Array): Promise<void> {
    if (kind <= 0 || kind >= KIND_CRC32) throw new RangeError(`record kind ${kind} is not 1-127`);
    const need = HEADER_BYTES + payload.length;
    if (this.fd < 0 || this.brokenFds.has(this.fd) || this.pos + need > this.size) this.nextSegment(need);
    if (this.prepareNext && !this.spare && !this.closed && this.pos + need > this.size / 2)
      this.prepareSpare();
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt8(kind | KIND_CRC32, 4);
    header.writeUInt32LE(crc32(payload), 5);
    const fd = this.fd;
    return new Promise((resolve, reject) => {
      const rec: Pending = {
        fd,
        pos: this.pos,
        bytes: need,
        header,
        payload,
        generation: this.generation,
        written: false,
        error: null,
        settle: (err) => (err ? reject(err) : resolve()),
      };
      this.use(fd);
      this.writing.push(rec);
      this.queued.push(rec);
      this.pos += need;
      if (this.writesInFlight === 0) this.writeQueued();
    });
  }

  /** Hands the queued records to writes: one writev per run of records of the same segment (they
   * are contiguous in it). A record appended while a write is in flight waits for it and goes with
   * every other record that came meanwhile, so a write on libuv's pool — a thread woken, its
   * completion waking the JS thread — carries all of them, where each request had its own. */
  private writeQueued(): void {
    const q = this.queued;
    this.queued = [];
    for (let i = 0; i < q.length; ) {
      const fd = q[i].fd;
      let j = i + 1;
      while (j < q.length && q[j].fd === fd && j - i < MAX_RECORDS_PER_WRITE) j++;
      this.writeRun(q.slice(i, j));
      i = j;
    }
  }

  private writeRun(run: Pending[]): void {
    const fd = run[0].fd;
    if (this.brokenFds.has(fd)) {
      // An earlier write or sync of the segment failed: these would sit behind a hole.
      for (const rec of run)
        this.markWritten(rec, new Error('an earlier write-ahead log write or sync failed'));
      this.releaseWritten();
      return;
    }
    const bufs: Uint8Array[] = [];
    let total = 0;
    for (const rec of run) {
      bufs.push(rec.header!, rec.payload!);
      total += rec.bytes;
    }
    this.writesInFlight++;
    this.stats.writes++;
    writev(fd, bufs, run[0].pos, (err, bytes) => {
      this.writesInFlight--;
      const error = err ?? (bytes === total ? null : new Error(`short write: ${bytes} of ${total} bytes`));
      if (error) this.brokenFds.add(fd);
      for (const rec of run) this.markWritten(rec, error);
      if (this.writesInFlight === 0 && this.queued.length > 0) this.writeQueued();
      this.releaseWritten();
    });
  }

  private markWritten(rec: Pending, error: Error | null): void {
    rec.written = true;
    rec.error = error;
    rec.header = rec.payload = undefined;
  }

  private settle(rec: Pending, err: Error | null): void {
    rec.settle(err);
    this.release(rec.fd);
  }

  /** Moves the written prefix of `writing` on to a sync (or settles it). */
  private releaseWritten(): void {
    const w = this.writing;
    let i = 0;
    for (; i < w.length && w[i].written; i++) {
      const rec = w[i];
      if (rec.error || this.brokenFds.has(rec.fd))
        this.settle(rec, rec.error ?? new Error('an earlier write-ahead log write or sync failed'));
      else if (!this.fsync) this.settle(rec, null);
      else this.waiters.push(rec);
    }
    if (i > 0) this.writing = w.slice(i);
    this.kick();
  }

  private kick(): void {
    if (this.waiters.length === 0) return;
    // rotate() ran after these were appended: the checkpoint that called it durably persisted
    // everything they held before any callback could run.
    if (this.waiters.some((rec) => rec.generation !== this.generation)) {
      const current: Pending[] = [];
      for (const rec of this.waiters) {
        if (rec.generation !== this.generation) this.settle(rec, null);
        else current.push(rec);
      }
      this.waiters = current;
    }
    if (this.syncsInFlight >= MAX_CONCURRENT_SYNCS || this.waiters.length === 0) return;
    // One fd per sync: records of a replaced segment still need their own.
    const fd = this.waiters[0].fd;
    let batch = this.waiters;
    this.waiters = [];
    if (batch.some((rec) => rec.fd !== fd)) {
      this.waiters = batch.filter((rec) => rec.fd !== fd);
      batch = batch.filter((rec) => rec.fd === fd);
    }
    if (this.brokenFds.has(fd)) {
      for (const rec of batch) this.settle(rec, new Error('an earlier write-ahead log write or sync failed'));
      this.kick();
      return;
    }
    this.syncsInFlight++;
    this.use(fd);
    const sync: Sync = { fd, batch, running: true, error: null, beside: [] };
    this.syncs.push(sync);
    const started = performance.now();
    fdatasync(fd, (err) => {
      this.stats.syncs++;
      this.stats.syncMs += performance.now() - started;
      this.syncsInFlight--;
      sync.running = false;
      sync.error = err;
      if (err) this.brokenFds.add(fd);
      sync.beside = this.syncs.filter((s) => s.running && s.fd === fd);
      this.settleSyncs();
      this.kick();
    });
  }

  /** Settles the syncs whose neighbours on the same fd have returned too. Linux reports a writeback
   * error to one fdatasync of the file only: a sync running beside the one that got it may return 0
   * although pages before its records were dropped, so a success counts only if no sync of the fd
   * failed meanwhile (waiting for every sync of the fd to be idle instead would starve under load). */
  private settleSyncs(): void {
    const left: Sync[] = [];
    for (const sync of this.syncs) {
      if (sync.running || sync.beside.some((s) => s.running)) {
        left.push(sync);
        continue;
      }
      const err =
        sync.error ??
        (this.brokenFds.has(sync.fd) ? new Error('an earlier write-ahead log write or sync failed') : null);
      for (const rec of sync.batch) this.settle(rec, err);
      this.release(sync.fd);
    }
    this.syncs = left;
  }

  /** Makes the next record start a new segment and returns the numbers of all segments written
   * so far (safe to delete once the state they hold is persisted elsewhere). */
  rotate(): number[] {
    const done = listSegments(this.dir).filter((n) => n <= this.segment);
    this.generation++;
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0 && !this.users.has(fd)) this.closeFd(fd); // else its last user closes it
    this.kick();
    return done;
  }

  removeSegments(segments: number[]): void {
    for (const n of segments) {
      try {
        unlinkSync(this.path(n));
      } catch (err) {
        // An abandoned spare among them removes itself once its zero-fill returns.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (
      this.syncs.length ||
      this.waiters.length ||
      this.writing.length ||
      this.queued.length ||
      this.spare?.ready === false
    )
      await new Promise((r) => setImmediate(r));
    if (this.spare) this.dropSpare(this.spare);
    this.spare = undefined;
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) this.closeFd(fd);
  }
}

// A new segment's directory entry must be on disk too before a record in it is acknowledged: the
// segment's own fsync does not cover the entry, and a crash could lose the whole file.
function syncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string, done: (err: Error | null) => void): void {
  openAsync(dir, 'r', (err, fd) => {
    if (err) return done(err);
    fsyncAsync(fd, (e) => closeAsync(fd, () => done(e)));
  });
}

/** The numbers of the segments in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => SEGMENT_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Removes every segment in `dir`: at start-up, when readWal() found no record in them. Each start
 * makes its first segment (and a spare) at once, so starts that end before any write (a crash loop
 * on a bad SCRAPE_CONFIG, read after the store opens) added 16 MB of empty segments each. */
export function removeEmptyWal(dir: string): void {
  for (const n of listSegments(dir)) unlinkSync(join(dir, `wal-${String(n).padStart(8, '0')}.log`));
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
      if (((kind & KIND_CRC32) !== 0 ? crc32(payload) : fnv1a(payload)) !== sum) break;
      yield { kind: kind & ~KIND_CRC32, payload };
      pos = end;
    }
  }
}
