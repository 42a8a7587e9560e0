// An envelope's items other than its event are counted, never stored (black-box 10 #14): a gzip
// body used to be kept as received when it held one event, so an attachment beside it (Debian's
// sentry-python scope.add_attachment, a hand-made envelope) sat in errors.db byte for byte,
// unscrubbed and out of the API's reach. Only a body whose one item is the event is kept as sent.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { decompressPayload } from '../src/store/codec.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

const PYTHON_CLIENT = `
import os, sys
import sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], release="att@2")
with sentry_sdk.configure_scope() as scope:
    scope.add_attachment(bytes=os.environ["ATT"].encode(), filename="env.txt")
    # repeated text compresses well: the gzip body is a small share of the event
    scope.set_extra("blob", ["the same harmless words again and again " * 30] * 40)
try:
    raise ValueError("with an attachment")
except ValueError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(5)
`;

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

/** Every byte the row keeps: an as-received body whole, else the event. */
function storedBytes(payload: Buffer): string {
  if (payload[0] === 3) return gunzipSync(payload.subarray(9)).toString('utf8');
  if (payload[0] === 4) return brotliDecompressSync(payload.subarray(9)).toString('utf8');
  return decompressPayload(payload);
}

const payloadOf = (eventId: string) =>
  (t.db.prepare('SELECT payload FROM events WHERE event_id = ?').get(eventId) as { payload: Buffer }).payload;

const bigEvent = (message: string) =>
  JSON.stringify({ message, extra: { k: Array(30).fill('same harmless text repeated '.repeat(40)) } });

test("sentry-python's attachment in a gzip envelope is not stored with the event", async () => {
  const dir = makeTempDir('et-other-items-');
  writeFileSync(join(dir, 'client.py'), PYTHON_CLIENT);
  const port = new URL(t.url).port;
  t.clock.now = Date.now(); // the SDK's sent_at: a clock drift would store the event normalized
  await new Promise<void>((resolve, reject) =>
    execFile(
      '/usr/bin/python3',
      [join(dir, 'client.py'), `http://publickey@127.0.0.1:${port}/1`],
      { timeout: 30_000, env: { ...process.env, ATT: 'DATABASE_URL=postgres://app:PYATT2SECRET@db/prod' } },
      (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  t.drain();
  const rows = t.db.prepare('SELECT event_id FROM events').all() as { event_id: string }[];
  assert.equal(rows.length, 1);
  const stored = storedBytes(payloadOf(rows[0].event_id));
  assert.match(stored, /with an attachment/);
  assert.ok(!stored.includes('PYATT2SECRET'), 'the attachment is not in errors.db');
});

test('a gzip envelope of the event alone is still stored as received; with a user report it is not', async () => {
  const alone = '5ec0000000000000000000000000a002';
  const r1 = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, {
    headers: { 'content-encoding': 'gzip' },
    body: gzipSync(`{"event_id":"${alone}"}\n{"type":"event"}\n${bigEvent('alone')}\n`),
  });
  assert.equal(r1.status, 200);
  const withReport = '5ec0000000000000000000000000a003';
  const report = JSON.stringify({
    event_id: withReport,
    email: 'jane@example.com',
    comments: 'my pin is 4711',
  });
  const r2 = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, {
    headers: { 'content-encoding': 'gzip' },
    body: gzipSync(
      `{"event_id":"${withReport}"}\n{"type":"event"}\n${bigEvent('reported')}\n{"type":"user_report"}\n${report}\n`,
    ),
  });
  assert.equal(r2.status, 200);
  t.drain();
  assert.equal(payloadOf(alone)[0], 3, 'as received (gzip)');
  const stored = storedBytes(payloadOf(withReport));
  assert.match(stored, /reported/);
  assert.ok(
    !stored.includes('jane@example.com') && !stored.includes('4711'),
    'the user report is not stored',
  );
});
