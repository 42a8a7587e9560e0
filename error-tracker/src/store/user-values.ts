// user.email:, user.username: and user.ip: search every user of an issue's events by that field, as
// Sentry does, where the `user` tag holds only the first of id, email, username and IP address.
// issue_user_values (migration 0011) keeps each issue's distinct values of the three fields: the
// digest adds an event's from its facts (userValuesOf() on accept), and a background pass fills in
// the events stored before the table existed, from their payloads: one small transaction per batch
// with its progress in _meta, begun once the inbox entries an older version accepted (whose facts
// carry no values) are digested, as the rescrub pass (store/rescrub.ts).
import type { Db } from '@flowrent/shared/db';
import { parseJsonObject } from '../ingest/envelope.js';
import { isObject } from '../ingest/normalize.js';
import { decompressPayload } from './codec.js';
import { probeOlderEntriesDigested } from './rescrub.js';

export type UserField = 'email' | 'username' | 'ip';
const FIELDS: [string, UserField][] = [
  ['email', 'email'],
  ['username', 'username'],
  ['ip_address', 'ip'],
];

/** The event user's email, username and IP address as searched (the id is the `user` tag's). */
export function userValuesOf(user: unknown): [UserField, string][] {
  if (!isObject(user)) return [];
  const values: [UserField, string][] = [];
  for (const [name, field] of FIELDS) {
    const v = user[name];
    if ((typeof v === 'string' && v !== '') || typeof v === 'number')
      values.push([field, String(v).slice(0, 200)]);
  }
  return values;
}

/** _meta keys: the pass is done, and a running pass. */
const DONE_KEY = 'issue_user_values_filled';
const PASS_KEY = 'issue_user_values_pass';

export interface FillStep {
  scanned: number;
  done: boolean;
}

export function createUserValues(db: Db, inboxIdAtOpen: number) {
  const q = {
    meta: db.prepare('SELECT value FROM _meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)'),
    deleteMeta: db.prepare('DELETE FROM _meta WHERE key = ?'),
    maxId: db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck(),
    batch: db.prepare(
      'SELECT id, issue_id, payload FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
    ),
    insert: db.prepare('INSERT OR IGNORE INTO issue_user_values (issue_id, field, value) VALUES (?, ?, ?)'),
  };
  const olderEntriesDigested = probeOlderEntriesDigested(db, inboxIdAtOpen);
  const isDone = () => q.meta.get(DONE_KEY) !== undefined;

  const step = db.transaction((batchSize: number): FillStep => {
    if (isDone()) return { scanned: 0, done: true };
    const saved = q.meta.get(PASS_KEY) as string | undefined;
    let pass = saved ? (JSON.parse(saved) as { throughId: number; untilId: number }) : null;
    if (!pass) {
      if (!olderEntriesDigested()) return { scanned: 0, done: false };
      pass = { throughId: 0, untilId: q.maxId.get() as number };
    }
    const rows = q.batch.all(pass.throughId, pass.untilId, batchSize) as {
      id: number;
      issue_id: number;
      payload: Buffer;
    }[];
    for (const row of rows) {
      for (const [field, value] of userOf(row.payload)) q.insert.run(row.issue_id, field, value);
    }
    const done = rows.length < batchSize;
    if (done) {
      q.setMeta.run(DONE_KEY, '1');
      q.deleteMeta.run(PASS_KEY);
    } else {
      pass.throughId = rows[rows.length - 1].id;
      q.setMeta.run(PASS_KEY, JSON.stringify(pass));
    }
    return { scanned: rows.length, done };
  });

  return {
    /** One batch of the pass over the events stored before issue_user_values: the next `batchSize`
     * events' user values added to their issues. It begins once the inbox holds nothing an older
     * version accepted (probeOlderEntriesDigested()), and covers the events stored then. */
    fillUserValues: (batchSize: number): FillStep =>
      isDone() ? { scanned: 0, done: true } : step.immediate(batchSize),
  };
}

/** A stored payload's user values; none when it cannot be read (the read path shows it so too). */
function userOf(payload: Buffer): [UserField, string][] {
  try {
    return userValuesOf(parseJsonObject(decompressPayload(payload), 'stored event').user);
  } catch {
    return [];
  }
}
