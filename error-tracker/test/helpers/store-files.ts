// The service's data files as the tests open and inspect them. No side effects on import (unlike
// crash-store.ts, which crashes when run with arguments), so child process scripts use it too.
import { closeSync, openSync, readSync } from 'node:fs';
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

/** The WAL header's checkpoint sequence number (bytes 12-15), which counts the WAL's restarts. */
export function walRestarts(wal: string): number {
  const fd = openSync(wal, 'r');
  const header = Buffer.alloc(16);
  readSync(fd, header, 0, 16, 0);
  closeSync(fd);
  return header.readUInt32BE(12);
}
