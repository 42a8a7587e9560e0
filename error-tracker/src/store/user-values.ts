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
import { createEventPass, type EventPassStep } from './event-pass.js';

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

export type FillStep = EventPassStep;

export function createUserValues(db: Db, inboxIdAtOpen: number) {
  const insert = db.prepare(
    'INSERT OR IGNORE INTO issue_user_values (issue_id, field, value) VALUES (?, ?, ?)',
  );
  const step = createEventPass<{ id: number; issue_id: number; payload: Buffer }>(db, inboxIdAtOpen, {
    doneKey: 'issue_user_values_filled',
    passKey: 'issue_user_values_pass',
    version: 1,
    columns: 'id, issue_id, payload',
    visit(rows) {
      for (const row of rows) {
        for (const [field, value] of userOf(row.payload)) insert.run(row.issue_id, field, value);
      }
    },
  });

  return {
    /** One batch of the pass over the events stored before issue_user_values: the next `batchSize`
     * events' user values added to their issues (event-pass.ts: when it begins, what it covers). */
    fillUserValues: step,
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
