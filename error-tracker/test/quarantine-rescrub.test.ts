// An entry an older version set aside in digest_quarantine holds its payload as that version
// accepted it: the rescrub pass rewrites it when it ends, and a retry scrubs what it stores (found
// by reviewer8, 26 Nov 2026). Real server (127.0.0.1 port 0), temp-file SQLite.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compressPayload, decompressPayload } from '../src/store/codec.js';
import { bugBackoffMs, MAX_BUG_ATTEMPTS } from '../src/store/digest.js';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let fault = false;
before(async () => {
  t = await startTracker();
  t.db.function('inject_fault', () => {
    if (fault) throw new TypeError('bug');
    return 0;
  });
  t.db.exec('CREATE TEMP TRIGGER inject_fault BEFORE INSERT ON events BEGIN SELECT inject_fault(); END');
});
after(async () => t.close());

test('an entry an older version quarantined unscrubbed is stored scrubbed when retried after the rescrub pass', async () => {
  const eventId = await sendEvent(t, { message: 'old' });
  fault = true;
  for (let attempt = 1; attempt <= MAX_BUG_ATTEMPTS; attempt++) {
    try {
      t.drain();
    } catch {}
    t.clock.now += bugBackoffMs(attempt);
  }
  fault = false;
  const [id] = t.db.prepare('SELECT inbox_id FROM digest_quarantine').pluck().all() as number[];
  assert.ok(id);
  // as an older version set it aside: the payload unscrubbed
  const old = {
    event_id: eventId,
    message: 'old',
    exception: [
      { type: 'E', value: 'v', stacktrace: { frames: [{ function: 'f', vars: { password: 'hunter2' } }] } },
    ],
    extra: { card: 'card 4111 1111 1111 1111' },
  };
  t.db
    .prepare('UPDATE digest_quarantine SET payload = ? WHERE inbox_id = ?')
    .run(compressPayload(JSON.stringify(old)), id);
  t.db.prepare("DELETE FROM _meta WHERE key LIKE 'events_scrub%'").run();
  await t.app.errorTracker.maintenance.runOnce(); // the pass: nothing stored yet, done
  const q = t.db.prepare('SELECT payload FROM digest_quarantine').pluck().all() as Buffer[];
  const inQuarantine = q.map((p) => decompressPayload(p)).join('');
  const res = await api(t, 'POST', `/api/quarantine/${id}/retry`);
  assert.equal(res.status, 200);
  const stored = decompressPayload(t.db.prepare('SELECT payload FROM events').pluck().get() as Buffer);
  assert.ok(!stored.includes('hunter2'), stored);
  assert.ok(!stored.includes('4111 1111'), stored);
  assert.ok(!inQuarantine.includes('hunter2'), 'quarantine rows scrubbed by the pass');
});
