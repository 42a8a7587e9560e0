// The service's data files as the tests open and inspect them. No side effects on import (unlike
// crash-store.ts, which crashes when run with arguments), so child process scripts use it too.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, openDatabase } from '@flowrent/shared/db';
import { inboxFileFor, openInbox } from '../../src/store/inbox.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';

/** errors.db (migrated) and its inbox file in a data folder, as the service opens them. */
export function openStore(dir: string) {
  const db = openDatabase(join(dir, 'errors.db'));
  migrate(db, new URL('../../migrations/', import.meta.url).pathname);
  const inboxDb = openInbox(inboxFileFor(db.name));
  return { db, inboxDb, store: createSqliteStore(db, inboxDb) };
}

/**
 * A counter of the restarts of a WAL file since its first call. It reads the header's salt-1
 * (bytes 16-19), which SQLite adds one to at every restart, from the shared WAL index, so it counts
 * every connection's restarts. The checkpoint sequence number (bytes 12-15) is each connection's
 * own count: with the worker and the main thread both writing, it went back (2, then 1) under load.
 * A file missing or shorter than its header (just truncated) reads as the last count.
 */
export function walRestartCounter(wal: string): () => number {
  let first: number | undefined;
  let last = 0;
  return () => {
    const salt = walSalt1(wal);
    if (salt === undefined) return last;
    first ??= salt;
    last = (salt - first) >>> 0;
    return last;
  };
}

function walSalt1(wal: string): number | undefined {
  if (!existsSync(wal)) return undefined;
  const fd = openSync(wal, 'r');
  const header = Buffer.alloc(20);
  const read = readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  return read < 20 ? undefined : header.readUInt32BE(16);
}
