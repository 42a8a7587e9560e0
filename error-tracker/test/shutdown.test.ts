// Shutdown: a digest that fails during the final drain still closes the inbox file (its WAL is
// checkpointed and removed), and what was accepted stays in the inbox for the next start.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '@flowrent/shared/db';
import { send, startTracker } from './helpers/server.js';

test('a failing final drain is logged, not thrown, still closes the inbox file and keeps the accepted event in it', async () => {
  const t = await startTracker();
  const body = '{"event_id":"0123456789abcdef0123456789abcdef"}\n{"type":"event"}\n{"message":"kept"}\n';
  const r = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
  assert.equal(r.status, 200);
  const inboxFile = join(t.dataDir, 'errors-inbox.db');
  assert.ok(existsSync(`${inboxFile}-wal`), 'the inbox is open');
  // the digest cannot write events any more (not an entry's fault: nothing is quarantined); the final
  // drain fails, and shutting down goes on (it threw out of Ctrl-C as an uncaught SqliteError)
  t.db.exec('DROP TABLE events');
  await t.close();
  assert.equal(existsSync(`${inboxFile}-wal`), false, 'the inbox file was checkpointed and closed');
  const inbox = openDatabase(inboxFile);
  const pending = inbox.prepare('SELECT count(*) FROM inbox WHERE event_id IS NOT NULL').pluck().get();
  inbox.close();
  assert.equal(pending, 1, 'the accepted event waits in the inbox for the next start');
});
