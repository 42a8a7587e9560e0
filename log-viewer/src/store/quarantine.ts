// Rows the store cannot seal, and inbox bodies that no longer parse, written aside to files so that one
// bad row costs neither the rest of its block nor the inbox's progress. Quarantined rows are no longer
// searchable; every quarantine is reported with its file and cause.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Names, in the quarantine folder, of the inbox body being replayed and of the bodies a start died on. */
export const REPLAYING_FILE = 'replaying';
export const REPLAY_DEATHS_FILE = 'replay-deaths';
/**
 * Starts that may die replaying one inbox body before it is quarantined instead of replayed: one that
 * died on it in the inbox's order, then one that died parsing it alone (inbox-replay.ts).
 */
export const MAX_REPLAY_DEATHS = 2;
/** Suffix of a marker (and of a deaths line) naming a body parsed alone, before any other rows. */
export const ALONE = ' alone';

/** What the starts that died replaying an inbox body say about it. */
export type ReplaySuspicion = 'none' | 'died' | 'died-alone';

export class Quarantine {
  /** Rows written to the quarantine folder since the start (stats, tests). */
  rows = 0;
  /** Seq base of each inbox body a start died replaying → whether one died parsing it alone. */
  private deaths?: Map<number, { starts: number; alone: boolean }>;
  /** Bodies asked about by this replay (the deaths list keeps only those). */
  private replayed = new Set<number>();

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

  /**
   * Whether starts died (out of memory, an abort: nothing a catch sees) while the inbox body at
   * `seqBase` was being parsed: in the inbox's order ('died': the cause may as well be the rows
   * replayed before it, or a SIGKILL), or parsed alone before any other rows ('died-alone': the body).
   */
  replaySuspicion(seqBase: number): ReplaySuspicion {
    const death = this.replayDeaths().get(seqBase);
    this.replayed.add(seqBase);
    return !death ? 'none' : death.alone ? 'died-alone' : 'died';
  }

  /**
   * Names the body about to be parsed in the `replaying` marker, which a start that dies leaves
   * behind (written without a sync: it has to outlive the process, not the machine) and the next
   * start counts in `replay-deaths` (synced). `alone`: parsed before any other rows are in memory.
   */
  markReplaying(seqBase: number, alone: boolean): void {
    this.replayDeaths();
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, REPLAYING_FILE), `${seqBase}${alone ? ALONE : ''}`);
  }

  /** No body is being parsed: a death now is no body's. */
  clearReplaying(): void {
    this.replayDeaths(); // a marker a start died with is counted first
    rmSync(join(this.dir, REPLAYING_FILE), { force: true });
  }

  /** The replay is over: clears the marker and forgets deaths of bodies no longer in the inbox. */
  replayDone(): void {
    const deaths = this.replayDeaths();
    this.clearReplaying();
    const kept = [...deaths].filter(([seq]) => this.replayed.has(seq));
    if (kept.length !== deaths.size) {
      const text = kept.map(([seq, d]) => deathLines(seq, d)).join('');
      if (text === '') rmSync(join(this.dir, REPLAY_DEATHS_FILE), { force: true });
      else writeDurably(this.dir, join(this.dir, REPLAY_DEATHS_FILE), text, 'w');
    }
    this.deaths = undefined;
    this.replayed.clear();
  }

  private replayDeaths(): Map<number, { starts: number; alone: boolean }> {
    if (this.deaths) return this.deaths;
    const deaths = new Map<number, { starts: number; alone: boolean }>();
    const list = join(this.dir, REPLAY_DEATHS_FILE);
    const marker = join(this.dir, REPLAYING_FILE);
    const died = readIfThere(marker);
    if (died !== undefined && DEATH_LINE.test(died)) {
      writeDurably(this.dir, list, `${died}\n`, 'a');
      this.report(
        new Error('the previous start died replaying an inbox body'),
        `replaying the inbox body at seq ${died} (quarantined once a start dies parsing it alone)`,
      );
      rmSync(marker, { force: true });
    }
    for (const line of (readIfThere(list) ?? '').split('\n')) {
      if (!DEATH_LINE.test(line)) continue;
      const seq = Number.parseInt(line, 10);
      const d = deaths.get(seq) ?? { starts: 0, alone: false };
      d.starts++;
      if (line.endsWith(ALONE)) d.alone = true;
      deaths.set(seq, d);
    }
    this.deaths = deaths;
    return deaths;
  }

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

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A `replaying` marker or a `replay-deaths` line: a seq base, ` alone` when parsed alone. */
const DEATH_LINE = /^\d+( alone)?$/;

function deathLines(seq: number, d: { starts: number; alone: boolean }): string {
  return `${seq}\n`.repeat(d.alone ? d.starts - 1 : d.starts) + (d.alone ? `${seq}${ALONE}\n` : '');
}
