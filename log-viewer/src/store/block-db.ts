// Every SQL statement of the log store: one function per statement, typed arguments.
import type { Db } from '@flowrent/shared/db';
import type { EncodedBlock } from './block-codec.js';
import { BLOCK_FORMAT_VERSION } from './block-codec.js';

/** The in-memory summary of a sealed block (all of them are kept in RAM: ~200 bytes each). */
export interface BlockMeta {
  id: number;
  /** The block's only service, or '' when it holds several. */
  service: string;
  /** Distinct services in the block, sorted. */
  services: string[];
  minMs: number;
  maxMs: number;
  rows: number;
  minSeq: number;
  maxSeq: number;
  levelCounts: number[];
  /** (minute since epoch, level, count, index into services) quadruples. */
  minuteCounts: number[];
  rawBytes: number;
  storedBytes: number;
  generation: number;
}

/** A delete by query as recorded in `delete_jobs` (migration 0004). */
export interface StoredDeleteJob {
  id: number;
  /** The query text, compiled again when the delete resumes. */
  query: string;
  fromNs: bigint;
  toNs: bigint;
  /** Records deleted so far. */
  matched: number;
  /** Blocks still to visit, by id. */
  pending: number[];
}

interface BlockRow {
  id: number;
  service: string;
  min_ms: number;
  max_ms: number;
  row_count: number;
  min_seq: number;
  max_seq: number;
  level_counts: string;
  minute_counts: string;
  raw_bytes: number;
  stored_bytes: number;
  generation: number;
  format: number;
  services: string;
}

export class BlockDb {
  private readonly stmts;

  constructor(readonly db: Db) {
    this.stmts = {
      insertBlock: db.prepare(
        `INSERT INTO blocks (service, min_ms, max_ms, row_count, min_seq, max_seq, level_counts, minute_counts,
           raw_bytes, stored_bytes, generation, format, services)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertData: db.prepare('INSERT INTO block_data (block_id, data) VALUES (?, ?)'),
      insertBloom: db.prepare('INSERT INTO block_blooms (block_id, bloom) VALUES (?, ?)'),
      deleteBlock: db.prepare('DELETE FROM blocks WHERE id = ?'),
      selectData: db.prepare('SELECT data FROM block_data WHERE block_id = ?').pluck(),
      selectBloom: db.prepare('SELECT bloom FROM block_blooms WHERE block_id = ?').pluck(),
      // A blob concatenated stays byte for byte (|| works on the bytes; CAST gives the blob back).
      selectBloomSpliced: db
        .prepare('SELECT CAST(? || substr(bloom, ?) AS BLOB) FROM block_blooms WHERE block_id = ?')
        .pluck(),
      selectBloomPrefix: db
        .prepare('SELECT substr(bloom, 1, ?) FROM block_blooms WHERE block_id = ?')
        .pluck(),
      selectAll: db.prepare('SELECT * FROM blocks ORDER BY max_ms'),
      upsertMark: db.prepare(
        `INSERT INTO seal_marks (service, max_seq) VALUES (?, ?)
         ON CONFLICT (service) DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)`,
      ),
      selectMarks: db.prepare('SELECT service, max_seq FROM seal_marks'),
      insertJob: db.prepare(
        'INSERT INTO delete_jobs (query, from_ns, to_ns, created_ms) VALUES (?, ?, ?, ?)',
      ),
      insertPending: db.prepare('INSERT OR IGNORE INTO delete_pending (job_id, block_id) VALUES (?, ?)'),
      inheritPending: db.prepare(
        `INSERT OR IGNORE INTO delete_pending (job_id, block_id)
         SELECT job_id, ? FROM delete_pending WHERE block_id = ? AND job_id != ?`,
      ),
      deletePending: db.prepare('DELETE FROM delete_pending WHERE job_id = ? AND block_id = ?'),
      addMatched: db.prepare('UPDATE delete_jobs SET matched = matched + ? WHERE id = ?'),
      deleteJob: db.prepare('DELETE FROM delete_jobs WHERE id = ?'),
      selectJobs: db.prepare('SELECT id, query, from_ns, to_ns, matched FROM delete_jobs ORDER BY id'),
      selectPending: db
        .prepare('SELECT block_id FROM delete_pending WHERE job_id = ? ORDER BY block_id')
        .pluck(),
    };
  }

  /** Inserts an encoded block (caller wraps it in a transaction). */
  insertBlock(block: EncodedBlock, generation: number): BlockMeta {
    const stored = block.data.length + block.bloom.length;
    const info = this.stmts.insertBlock.run(
      block.service,
      block.minMs,
      block.maxMs,
      block.rows,
      block.minSeq,
      block.maxSeq,
      JSON.stringify(block.levelCounts),
      JSON.stringify(block.minuteCounts),
      block.rawBytes,
      stored,
      generation,
      BLOCK_FORMAT_VERSION,
      JSON.stringify(block.services),
    );
    const id = Number(info.lastInsertRowid);
    this.stmts.insertData.run(id, block.data);
    this.stmts.insertBloom.run(id, block.bloom);
    return {
      id,
      service: block.service,
      services: block.services,
      minMs: block.minMs,
      maxMs: block.maxMs,
      rows: block.rows,
      minSeq: block.minSeq,
      maxSeq: block.maxSeq,
      levelCounts: block.levelCounts,
      minuteCounts: block.minuteCounts,
      rawBytes: block.rawBytes,
      storedBytes: stored,
      generation,
    };
  }

  /** Deletes a block with its data and bloom (ON DELETE CASCADE). */
  deleteBlock(id: number): void {
    this.stmts.deleteBlock.run(id);
  }

  selectData(id: number): Buffer | undefined {
    return this.stmts.selectData.get(id) as Buffer | undefined;
  }

  selectBloom(id: number): Buffer | undefined {
    return this.stmts.selectBloom.get(id) as Buffer | undefined;
  }

  /**
   * `prefix` followed by a block's filter from byte `from` (0-based) on, built by SQLite in the one
   * Buffer returned: no copy of the whole filter is made on our side.
   */
  selectBloomSpliced(id: number, prefix: Uint8Array, from: number): Buffer | undefined {
    return this.stmts.selectBloomSpliced.get(prefix, from + 1, id) as Buffer | undefined;
  }

  /** The first `bytes` bytes of a block's filter (substr of a blob counts bytes and gives a blob). */
  selectBloomPrefix(id: number, bytes: number): Buffer | undefined {
    return this.stmts.selectBloomPrefix.get(bytes, id) as Buffer | undefined;
  }

  /** All block summaries, oldest first. */
  selectAllBlocks(): BlockMeta[] {
    return (this.stmts.selectAll.all() as BlockRow[]).map((r) => ({
      id: r.id,
      service: r.service,
      services: r.services === '' ? [r.service] : JSON.parse(r.services),
      minMs: r.min_ms,
      maxMs: r.max_ms,
      rows: r.row_count,
      minSeq: r.min_seq,
      maxSeq: r.max_seq,
      levelCounts: JSON.parse(r.level_counts),
      minuteCounts: r.format >= 3 ? JSON.parse(r.minute_counts) : tripleToQuads(JSON.parse(r.minute_counts)),
      rawBytes: r.raw_bytes,
      storedBytes: r.stored_bytes,
      generation: r.generation,
    }));
  }

  upsertSealMark(service: string, maxSeq: number): void {
    this.stmts.upsertMark.run(service, maxSeq);
  }

  selectSealMarks(): Map<string, number> {
    const rows = this.stmts.selectMarks.all() as { service: string; max_seq: number }[];
    return new Map(rows.map((r) => [r.service, r.max_seq]));
  }

  /** Records a delete by query with the blocks it has to visit (caller wraps it in a transaction). */
  insertDeleteJob(
    job: { query: string; fromNs: bigint; toNs: bigint; nowMs: number },
    blockIds: number[],
  ): number {
    const info = this.stmts.insertJob.run(job.query, String(job.fromNs), String(job.toNs), job.nowMs);
    const id = Number(info.lastInsertRowid);
    for (const b of blockIds) this.stmts.insertPending.run(id, b);
    return id;
  }

  /** The deletes that a block `newId` replacing `oldId` joins: those still to visit `oldId`, but `exceptJob`. */
  inheritPending(oldId: number, newId: number, exceptJob: number): void {
    this.stmts.inheritPending.run(newId, oldId, exceptJob);
  }

  /** A delete visited a block: its count grows by `matched` (caller wraps it in a transaction). */
  finishPending(jobId: number, blockId: number, matched: number): void {
    this.stmts.deletePending.run(jobId, blockId);
    if (matched > 0) this.stmts.addMatched.run(matched, jobId);
  }

  deleteDeleteJob(id: number): void {
    this.stmts.deleteJob.run(id);
  }

  /** Deletes recorded but not finished, oldest first, with the blocks each has still to visit. */
  selectDeleteJobs(): StoredDeleteJob[] {
    const rows = this.stmts.selectJobs.all() as {
      id: number;
      query: string;
      from_ns: string;
      to_ns: string;
      matched: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      query: r.query,
      fromNs: BigInt(r.from_ns),
      toNs: BigInt(r.to_ns),
      matched: r.matched,
      pending: this.stmts.selectPending.all(r.id) as number[],
    }));
  }

  /** Folds SQLite's WAL into the main file with syncs; true when every frame was checkpointed. */
  checkpoint(): boolean {
    const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    return r.busy === 0 && r.log === r.checkpointed;
  }

  /** Returns free pages to the file system (the database is created with auto_vacuum=INCREMENTAL). */
  reclaimSpace(): void {
    this.db.pragma('incremental_vacuum');
  }

  /**
   * reclaimSpace() and then a TRUNCATE checkpoint: in WAL mode the vacuum's shorter file is only a
   * WAL frame until a checkpoint applies it, and the WAL file keeps its largest size until one
   * truncates it. The service has this one connection: only an outside reader (a backup) can make
   * the checkpoint wait, for busy_timeout at most, once per retention pass that dropped blocks.
   */
  returnSpaceNow(): void {
    this.reclaimSpace();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * A transaction whose commit syncs the WAL (synchronous=FULL for it alone): it and every commit
   * before it survive a power loss once it returns. The connection's other commits keep NORMAL.
   */
  syncedTransaction<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return this.transaction(fn);
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }
}

/** Switches a database that holds no blocks yet to incremental auto-vacuum (needs one VACUUM). */
export function enableIncrementalVacuum(db: Db): void {
  const mode = db.pragma('auto_vacuum', { simple: true }) as number;
  if (mode === 2) return;
  const blocks = db.prepare('SELECT count(*) FROM blocks').pluck().get() as number;
  if (blocks > 0) return; // converting a full database would rewrite it; keep reusing free pages instead
  db.pragma('auto_vacuum = INCREMENTAL');
  db.exec('VACUUM');
}

/** Format 2 summaries (minute, level, count) of a one-service block as quadruples with service 0. */
function tripleToQuads(triples: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < triples.length; i += 3) out.push(triples[i], triples[i + 1], triples[i + 2], 0);
  return out;
}
