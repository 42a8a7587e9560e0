// The browser SDK sends the User-Agent in request.headers and no browser context: the server fills
// contexts.browser/os/device from it (as Relay) and tags the issue browser, browser.name, os.name,
// device and url; a context the SDK sent is kept as sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, nextEventId } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(() => t.close());

const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1';

/** As @sentry/browser posts it: text/plain from a page's origin. */
async function sendBrowserEvent(event: Record<string, unknown>): Promise<string> {
  const id = nextEventId();
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey&sentry_version=7`, {
    headers: { origin: 'http://shop.example', 'content-type': 'text/plain;charset=UTF-8' },
    body: `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${JSON.stringify(event)}\n`,
  });
  assert.equal(res.status, 200, res.body);
  t.drain();
  return id;
}

async function issueOf(eventId: string) {
  const ev = (
    await api<{ issue_id: number; data: { contexts?: Record<string, unknown> } }>(
      t,
      'GET',
      `/api/events/${eventId}`,
    )
  ).json;
  const issue = (
    await api<{ tags: { key: string; top_values: { value: string }[] }[] }>(
      t,
      'GET',
      `/api/issues/${ev.issue_id}`,
    )
  ).json;
  const tags = Object.fromEntries(issue.tags.map((g) => [g.key, g.top_values.map((v) => v.value)]));
  return { contexts: ev.data.contexts ?? {}, tags };
}

test('a User-Agent in request.headers gives browser, os, device contexts and their tags', async () => {
  const id = await sendBrowserEvent({
    message: 'from browser',
    platform: 'javascript',
    request: { url: 'http://shop.example/cart?step=2', headers: { 'User-Agent': IPHONE_UA } },
  });
  const { contexts, tags } = await issueOf(id);
  assert.deepEqual(contexts.browser, { name: 'Mobile Safari', version: '17.1.2', type: 'browser' });
  assert.deepEqual(contexts.os, { name: 'iOS', version: '17.1.2', type: 'os' });
  assert.deepEqual(contexts.device, { family: 'iPhone', model: 'iPhone', brand: 'Apple', type: 'device' });
  assert.deepEqual(tags.browser, ['Mobile Safari 17.1.2']);
  assert.deepEqual(tags['browser.name'], ['Mobile Safari']);
  assert.deepEqual(tags.os, ['iOS 17.1.2']);
  assert.deepEqual(tags['os.name'], ['iOS']);
  assert.deepEqual(tags.device, ['iPhone']);
  assert.deepEqual(tags.url, ['http://shop.example/cart']);
  const found = await api<{ data: unknown[] }>(
    t,
    'GET',
    `/api/issues?query=${encodeURIComponent('browser.name:"Mobile Safari"')}`,
  );
  assert.equal(found.json.data.length, 1);
});

test('a browser context sent by the SDK is kept and the User-Agent is not read', async () => {
  const id = await sendBrowserEvent({
    message: 'with own context',
    platform: 'javascript',
    contexts: { browser: { name: 'Firefox', version: '133.0' } },
    request: {
      url: 'http://shop.example/',
      headers: [['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36']],
    },
  });
  const { contexts, tags } = await issueOf(id);
  assert.deepEqual(contexts.browser, { name: 'Firefox', version: '133.0' });
  assert.equal(contexts.os, undefined);
  assert.deepEqual(tags.browser, ['Firefox 133.0']);
  assert.equal(tags['os.name'], undefined);
});
