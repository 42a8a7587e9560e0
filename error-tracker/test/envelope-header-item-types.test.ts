// The envelope header's event_id is checked whatever the items (Relay parses it as a UUID): one
// that is not is a 400, and the answer's id is always 32 lower-case hex digits (any string was
// echoed back when no event item came with it, black-box #10). Item types Relay does not know are
// counted under one `unknown` row, as Relay's ItemType::Unknown (each made-up name, of any length,
// was its own row, black-box #11). Real server on 127.0.0.1 port 0, temp-file SQLite.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const post = (body: string) => send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
const ATTACHMENT = '{"type":"attachment","length":3,"filename":"a.txt"}\nabc\n';
const SESSION = `{"type":"session"}\n${JSON.stringify({
  sid: 'b'.repeat(32),
  status: 'ok',
  started: '2026-11-25T19:59:00Z',
  attrs: { release: 'shop@1.0.0' },
})}\n`;

test('an envelope header event_id that is not a UUID is a 400 whatever the items', async () => {
  for (const [header, items] of [
    ['{"event_id":"not-an-id <script>"}', ATTACHMENT],
    ['{"event_id":"☃"}', ''],
    ['{"event_id":12345}', SESSION],
    ['{"event_id":{"a":1}}', SESSION],
  ]) {
    const res = await post(`${header}\n${items}`);
    assert.equal(res.status, 400, header);
    assert.match(String(res.headers['x-sentry-error']), /invalid event_id in the envelope header/);
  }
});

test('a UUID event_id in any form is answered as 32 lower-case hex digits; null is none', async () => {
  const dashed = await post(`{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04E3"}\n${ATTACHMENT}`);
  assert.equal(dashed.status, 200);
  assert.deepEqual(dashed.json(), { id: '9ec79c33ec9942ab8353589fcb2e04e3' });
  const none = await post(`{"event_id":null}\n${SESSION}`);
  assert.equal(none.status, 200);
  assert.deepEqual(none.json(), {});
});

test("item types Relay does not know are counted as 'unknown', one row however many names", async () => {
  for (const type of ['t'.repeat(50_000), 'junk-1', 'junk-2', 'feedback', 'profile_chunk_ui']) {
    const res = await post(`{}\n${JSON.stringify({ type })}\n{}\n`);
    assert.equal(res.status, 200);
  }
  t.drain();
  const counts = await api<{ data: { type: string; count: number }[] }>(
    t,
    'GET',
    '/api/projects/1/item-counts',
  );
  const byType = Object.fromEntries(counts.json.data.map((c) => [c.type, c.count]));
  assert.equal(byType.unknown, 3);
  assert.equal(byType.feedback, 1);
  assert.equal(byType.profile_chunk, 1, "Android's alias");
  assert.ok(
    counts.json.data.every((c) => c.type.length < 40),
    'no row per made-up name',
  );
});

test('an error message with characters outside printable ASCII reaches X-Sentry-Error percent-encoded', async () => {
  const res = await send(`${t.url}/api/%E2%98%83/envelope/?sentry_key=publickey`, { body: '{}\n' });
  assert.equal(res.status, 404);
  assert.equal((res.json() as { error: { code: string } }).error.code, 'not_found');
  assert.match(String(res.headers['x-sentry-error']), /%E2%98%83/);
});
