// The inbox: accepted requests waiting to be grouped, in their own SQLite file next to errors.db.
// Accepting only writes this file, so a request's group commit never waits for a digest batch
// (or a checkpoint) holding errors.db's write lock; the old single-file inbox did, for up to a
// batch per request. Only the main thread writes here (appends, and trimming what was digested),
// so appends never meet a lock either; the digest reads it from the store worker's connection.
//
// Across the two files: a digest batch stores events and records the last inbox id it consumed
// in errors.db (inbox_progress) in one transaction; the main thread then trims the inbox up to
// that id. A crash between the two leaves consumed rows here, and they are skipped by id (and
// would be by event_id), so nothing is stored or counted twice, and nothing is lost.
import { closeSync, fdatasync, openSync } from 'node:fs';
import { type Db, migrate, openDatabase } from '@flowrent/shared/db';
import type { AcceptBatch, SessionUpdate } from './store.js';

const INBOX_MIGRATIONS = new URL('../../migrations/inbox/', import.meta.url);
// The inbox is written once and read once, in order: a small page cache does.
const INBOX_CACHE_KB = 1000;

/** The counters a group commit adds for one project, applied by the digest. */
export interface InboxCounts {
  items: Record<string, number>;
  sessions: SessionUpdate[];
  /** Requests with a countsKey (AcceptBatch): kept apart, applied once per key (store/digest.ts). */
  keyed?: { key: string; items: Record<string, number>; sessions: SessionUpdate[] }[];
}

export interface InboxRow {
  id: number;
  project_id: number;
  event_id: string | null;
  received_at: number | null;
  facts: string | null;
  payload: Buffer | null;
  counts: string | null;
}

/** The inbox file that belongs to a database file (`errors.db` → `errors-inbox.db`). */
export function inboxFileFor(databaseFile: string): string {
  if (databaseFile === ':memory:') return ':memory:';
  const dot = databaseFile.lastIndexOf('.');
  const slash = databaseFile.lastIndexOf('/');
  return dot > slash
    ? `${databaseFile.slice(0, dot)}-inbox${databaseFile.slice(dot)}`
    : `${databaseFile}-inbox`;
}

/** Opens (and creates or migrates) an inbox file: WAL, synchronous=NORMAL like errors.db (the
 * accept path adds its own fdatasync of the WAL, see WalSync). */
export function openInbox(file: string): Db {
  const db = openDatabase(file);
  migrate(db, decodeURIComponent(INBOX_MIGRATIONS.pathname));
  db.pragma(`cache_size = -${INBOX_CACHE_KB}`);
  return db;
}

/**
 * Checkpoints the inbox frames appended while the previous checkpoint ran, while the writer holds
 * its appends (service/store-worker.ts), and restarts the WAL from its start.
 * SQLite restarts a WAL only when a write begins with every frame checkpointed; with appends
 * arriving during every checkpoint that never happened, and the inbox's -wal file grew for as long
 * as accepting went on (126 MB in an 8-second bench). Every accept's fdatasync of a growing file
 * also commits its new size (a journal commit on ext4): p50 1.2-1.4 ms against 0.30-0.33 ms for
 * frames rewritten in place (a throwaway simulation of the accept path's commits and syncs, load
 * 9). Only a few frames are left by then: two small syncs (the WAL's and the inbox file's), and a
 * third for the restart.
 */
export function finishInboxCheckpoint(inboxDb: Db): void {
  try {
    const [r] = inboxDb.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    // The first write after a complete checkpoint restarts the WAL, and SQLite fsyncs the new WAL
    // header in that write: left to the writer's next append, that sync ran on the event loop
    // (up to 40-90 ms on this machine's disk under others' load). A write of the unused
    // user_version here restarts it on this connection instead, while the appends are held.
    if (r && r.busy === 0 && r.log > 0 && r.checkpointed === r.log) restartWal(inboxDb);
  } catch {
    // busy or closing: the WAL restarts after a later checkpoint
  }
}

/** Writes the unused user_version unchanged; never waits for the write lock (appends are held,
 * so it is free: waiting here would hold them longer). */
function restartWal(db: Db): void {
  const busyMs = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma('busy_timeout = 0');
  try {
    db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`);
  } finally {
    db.pragma(`busy_timeout = ${busyMs}`);
  }
}

/**
 * Free space an emptied inbox gives back (VACUUM, then a TRUNCATE checkpoint of its WAL): after a
 * backlog the file and its WAL kept their largest size for as long as the process ran, the file
 * for good (black-box 10 #17: 2 MB of 2 MB free after 2,667 events; INGEST_MAX_PENDING of 20,000
 * would leave ~100 MB twice). Below it a busy inbox keeps reusing its pages and WAL frames: growing
 * the file again costs each accept's fdatasync a journal commit (finishInboxCheckpoint). Runs on
 * the writer's connection when a trim empties the inbox, so VACUUM copies no rows (a few ms).
 */
export const RECLAIM_FREE_BYTES = 16 * 1024 * 1024;

/** Returns whether the WAL still waits to be truncated (a reader or checkpoint was busy). */
function reclaimSpace(inboxDb: Db, walToTruncate: boolean): boolean {
  const free =
    Number(inboxDb.pragma('freelist_count', { simple: true })) *
    Number(inboxDb.pragma('page_size', { simple: true }));
  if (free < RECLAIM_FREE_BYTES && !walToTruncate) return false;
  const busyMs = Number(inboxDb.pragma('busy_timeout', { simple: true }));
  // never wait on the event loop: a digest reading the inbox, or the store worker's checkpoint,
  // leaves it to the next time the inbox empties
  inboxDb.pragma('busy_timeout = 0');
  try {
    if (free >= RECLAIM_FREE_BYTES) inboxDb.exec('VACUUM');
    const [r] = inboxDb.pragma('wal_checkpoint(TRUNCATE)') as CheckpointResult[];
    return r?.busy !== 0;
  } catch {
    return true;
  } finally {
    inboxDb.pragma(`busy_timeout = ${busyMs}`);
  }
}

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** The files of an inbox, for disk-usage metrics. */
export function inboxDataFiles(inboxDb: Db): string[] {
  return inboxDb.name === ':memory:' ? [] : [inboxDb.name, `${inboxDb.name}-wal`];
}

/** Reads entries in id order (the digest, on whichever connection runs it). */
export function createInboxReader(inboxDb: Db) {
  const read = inboxDb.prepare(
    'SELECT id, project_id, event_id, received_at, facts, payload, counts FROM inbox WHERE id > ? ORDER BY id LIMIT ?',
  );
  return {
    read: (afterId: number, limit: number) => read.all(afterId, limit) as InboxRow[],
  };
}
export type InboxReader = ReturnType<typeof createInboxReader>;

/** The writer's side: appends with fresh ids, trims what was digested. `digestedThrough` is
 * errors.db's inbox_progress at start-up. */
export function createInbox(inboxDb: Db, digestedThrough: number) {
  const q = {
    insert: inboxDb.prepare(
      'INSERT INTO inbox (id, project_id, event_id, received_at, facts, payload, counts) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    trim: inboxDb.prepare('DELETE FROM inbox WHERE id <= ?'),
    maxId: inboxDb.prepare('SELECT coalesce(max(id), 0) FROM inbox').pluck(),
    pendingEvents: inboxDb
      .prepare('SELECT count(*) FROM inbox WHERE id > ? AND event_id IS NOT NULL')
      .pluck(),
  };
  // ids continue above both what the file holds and what errors.db says was digested: a
  // replaced or emptied inbox file must not hand out ids the digest would skip
  let lastId = Math.max(digestedThrough, q.maxId.get() as number);
  let trimmedThrough = 0;
  let walToTruncate = false;

  const trim = (throughId: number) => {
    if (throughId <= trimmedThrough) return;
    q.trim.run(throughId);
    trimmedThrough = throughId;
    if (throughId >= lastId) walToTruncate = reclaimSpace(inboxDb, walToTruncate);
  };
  // rows consumed by a digest whose trim a crash cut off
  trim(digestedThrough);

  // one group commit holds many requests, mostly of one project and item type: their counts are
  // summed per project and ride on the project's first row (a row of their own when the commit
  // has no event of that project)
  const append = inboxDb.transaction((batches: AcceptBatch[]) => {
    const counts = new Map<number, InboxCounts>();
    for (const batch of batches) {
      let c = counts.get(batch.projectId);
      if (!c) {
        c = { items: {}, sessions: [] };
        counts.set(batch.projectId, c);
      }
      if (batch.countsKey) {
        c.keyed ??= [];
        c.keyed.push({ key: batch.countsKey, items: batch.itemCounts, sessions: batch.sessions });
        continue;
      }
      for (const [type, n] of Object.entries(batch.itemCounts)) c.items[type] = (c.items[type] ?? 0) + n;
      c.sessions.push(...batch.sessions);
    }
    const countsJson = (projectId: number): string | null => {
      const c = counts.get(projectId);
      if (!c) return null;
      counts.delete(projectId);
      return Object.keys(c.items).length > 0 || c.sessions.length > 0 || c.keyed ? JSON.stringify(c) : null;
    };
    for (const batch of batches) {
      for (const e of batch.events) {
        q.insert.run(
          ++lastId,
          e.projectId,
          e.eventId,
          e.receivedAtMs,
          e.factsJson,
          e.payload,
          countsJson(batch.projectId),
        );
      }
    }
    for (const projectId of [...counts.keys()]) {
      const json = countsJson(projectId);
      if (json) q.insert.run(++lastId, projectId, null, null, null, null, json);
    }
  });

  return {
    /** The highest id when the inbox was opened: what an older process accepted is at or below it. */
    idAtOpen: lastId,
    /** One transaction for all batches. When it returns the batches survive a process crash;
     * they survive a power loss once a WalSync.sync() started after it resolves. */
    append: (batches: AcceptBatch[]) => append.immediate(batches),
    /** Removes entries up to `throughId`, which errors.db records as digested. */
    trim,
    /** Events after `digestedThrough` (errors.db's inbox_progress). */
    pendingEvents: (digestedThrough: number) => q.pendingEvents.get(digestedThrough) as number,
  };
}
export type Inbox = ReturnType<typeof createInbox>;

/** A commit made while one sync runs starts a second at once instead of waiting a whole sync for
 * its turn (the wait, not the sync's CPU, bounds closed-loop clients); more did not pay in the
 * metrics collector's log. */
const MAX_SYNCS_IN_FLIGHT = 2;

interface SyncWaiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Makes committed inbox transactions survive a power loss. Under synchronous=NORMAL SQLite writes
 * a commit's frames to the -wal file without syncing it (a sync per commit would block the main
 * thread ~0.4 ms here); this fdatasyncs that file on libuv's pool instead, and the accept path
 * answers only after a sync that started after its commit. Up to two run at once; syncs requested
 * while both are in flight share the next one (group commit). SQLite keeps the -wal file's inode
 * while the connection is open (a checkpoint rewrites it from the start or truncates it), so one
 * descriptor serves.
 */
export class WalSync {
  private fd = -1;
  private inFlight = 0;
  private closing = false;
  private waiting: SyncWaiter[] = [];
  /** The first failed sync. After one, Linux may have dropped the unwritten pages and reports the
   * error only once per file: a later sync can succeed over a hole in the WAL, and recovery stops
   * at the hole, losing later commits too. So every sync fails from then on, until a restart. */
  private failed: unknown = null;

  /** `walFile` null: an in-memory inbox, nothing to sync. `datasync`: tests inject failures. */
  constructor(
    private readonly walFile: string | null,
    private readonly datasync: typeof fdatasync = fdatasync,
  ) {}

  static forInbox(inboxDb: Db): WalSync {
    return new WalSync(inboxDb.name === ':memory:' ? null : `${inboxDb.name}-wal`);
  }

  /** Resolves once everything committed to the inbox before this call is on stable storage. */
  sync(): Promise<void> {
    if (this.walFile === null) return Promise.resolve();
    if (this.closing) return Promise.reject(new Error('inbox is closed'));
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.inFlight < MAX_SYNCS_IN_FLIGHT) this.start();
    });
  }

  /** Refuses new syncs; callers already waiting get one last sync (their rows are committed, and
   * an error would make their clients send them again), then the descriptor closes. */
  close(): void {
    this.closing = true;
    if (this.waiting.length > 0) this.start();
    else if (this.inFlight === 0) this.closeFd();
  }

  private start(): void {
    const batch = this.waiting;
    this.waiting = [];
    if (this.failed !== null) {
      for (const w of batch) w.reject(this.failed);
      if (this.closing && this.inFlight === 0) this.closeFd();
      return;
    }
    try {
      // opened on first use: the -wal file exists once the connection has written
      if (this.fd < 0) this.fd = openSync(this.walFile as string, 'r');
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    this.inFlight++;
    this.datasync(this.fd, (err) => {
      this.inFlight--;
      if (err && this.failed === null) this.failed = err;
      // a sync that ends after a failed one may have succeeded over the hole: not durable either
      const failure = err ?? this.failed;
      for (const w of batch) failure ? w.reject(failure) : w.resolve();
      if (this.waiting.length > 0) this.start();
      else if (this.closing && this.inFlight === 0) this.closeFd();
    });
  }

  private closeFd(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
