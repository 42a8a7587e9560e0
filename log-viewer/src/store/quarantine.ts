// Rows the store cannot seal, and inbox bodies that no longer parse, written aside to files so that one
// bad row costs neither the rest of its block nor the inbox's progress. Quarantined rows are no longer
// searchable; every quarantine is reported with its file and cause.
import { join } from 'node:path';
import type { ReportError } from './background-errors.js';
import type { BlockDb } from './block-db.js';
import { writeDurably } from './durable-file.js';
import type { RowColumns } from './row-columns.js';

/**
 * Whether a seal failed for the machine rather than for its rows: such a block is neither split nor
 * quarantined, its rows stay open and in the inbox and a later tick retries the seal. Only a fault
 * the rows will always cause is quarantined: an error the encoder throws on the data (a RangeError
 * on a time no varint holds, an Invalid string length), or SQLite refusing a value (CONSTRAINT,
 * TOOBIG, MISMATCH, RANGE: `cannot store REAL value in INTEGER column`). Everything else is taken as
 * transient, so that a cause nobody foresaw costs a retry, not searchable data: any other SQLite
 * code (FULL, IOERR, BUSY, LOCKED, but also ERROR, ABORT, SCHEMA, MISUSE...), a system error code
 * (ENOSPC, EIO, EMFILE...), memory that could not be allocated, a closed database connection.
 */
const ROW_FAULT_SQLITE = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/;
const TRANSIENT_MESSAGE =
  /allocation failed|out of memory|alloc.*memory|connection is not open|database is closed/i;

export function isSystemic(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return !ROW_FAULT_SQLITE.test(code);
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return true;
  const message = (err as { message?: unknown })?.message;
  return typeof message === 'string' && TRANSIENT_MESSAGE.test(message);
}

export class Quarantine {
  /** Rows written to the quarantine folder since the start (stats, tests). */
  rows = 0;

  /**
   * `dir` is the quarantine folder; `sealMarks` is the store's map of seal marks per stream, moved
   * here past quarantined rows as it is by a seal.
   */
  constructor(
    private readonly dir: string,
    private readonly sql: BlockDb,
    private readonly sealMarks: Map<string, number>,
    private readonly report: ReportError,
  ) {}

  /** Writes an inbox body that no longer parses to `<quarantineDir>/replay-<seq base>.<kind>`. */
  body(kind: string, body: Uint8Array, seqBase: number, cause: unknown): void {
    const dir = this.dir;
    const file = join(dir, `replay-${seqBase}.${kind}`);
    writeDurably(dir, file, body, 'w');
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.report(cause, `replaying an inbox body (${reason}); it is kept in ${file}, not searchable`);
  }

  /**
   * Appends rows the store cannot seal to `<quarantineDir>/seal-<first seq>.ndjson` (one store row
   * as JSON per line, fdatasync'ed), then moves the stream's seal mark past them so the inbox can
   * let them go. They are no longer searchable: the report names the file and the cause.
   */
  sealRows(stream: string, rows: RowColumns, from: number, to: number, cause: unknown): boolean {
    const first = rows.seq[from];
    const last = rows.seq[to - 1];
    const dir = this.dir;
    const file = join(dir, `seal-${first}.ndjson`);
    try {
      let text = '';
      for (let i = from; i < to; i++) text += `${JSON.stringify(rows.row(i))}\n`;
      writeDurably(dir, file, text, 'a');
      this.sql.transaction(() => this.sql.upsertSealMark(stream, last));
    } catch (err) {
      this.report(
        err,
        `quarantining rows ${first}..${last} that could not be sealed (kept open and in the inbox)`,
      );
      return false;
    }
    this.sealMarks.set(stream, last);
    this.rows += to - from;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.report(
      cause,
      `sealing rows ${first}..${last} (${reason}); they are kept in ${file}, not searchable`,
    );
    return true;
  }
}
