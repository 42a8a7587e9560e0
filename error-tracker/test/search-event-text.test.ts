// Free text finds an issue by the title or message of any of its stored events, not only by the
// issue's latest text (black-box 10 #18): one KeyError raised for bob, alice, then dave is one issue
// titled "KeyError: 'dave'", and a search for the customer alice found nothing. Sentry's issue
// search matches the events' messages and returns their issues.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
  for (const customer of ['bob', 'alice', 'Ålesund-Kunde', 'dave']) {
    await sendEvent(t, { type: 'KeyError', value: `'${customer}'`, fn: 'load_user', release: 'pyapp@2.0.0' });
  }
  await sendEvent(t, { message: 'payment declined for order 4711', release: 'pyapp@2.0.0' });
  await sendEvent(t, { message: 'payment declined for order 4712', release: 'pyapp@2.0.0' });
  t.drain();
});
after(async () => t.close());

const search = async (query: string) => {
  const params = new URLSearchParams({ query, release: 'pyapp@2.0.0' });
  const res = await api<{ data: { id: number; title: string }[] }>(t, 'GET', `/api/issues?${params}`);
  assert.equal(res.status, 200);
  return res.json.data.map((i) => i.title);
};

test("free text finds an issue by an older event's title, not only its latest one", async () => {
  assert.deepEqual(await search('dave'), ["KeyError: 'dave'"], 'the latest event, as before');
  assert.deepEqual(await search('alice'), ["KeyError: 'dave'"]);
  assert.deepEqual(await search("'bob'"), ["KeyError: 'dave'"]);
  assert.deepEqual(
    await search('ålesund'),
    ["KeyError: 'dave'"],
    'Unicode case folding, as for the issue text',
  );
  assert.deepEqual(await search('carol'), []);
});

test("free text finds a message event's issue by an older event's message", async () => {
  const byMessage = await search('order 4711');
  assert.equal(byMessage.length, 1);
  assert.match(byMessage[0], /payment declined for order/);
});
