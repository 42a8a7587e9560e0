// Decodes every captured SDK request in ../shared/fixtures/errors/ with the pure ingest modules and
// asserts the facts the fixtures README lists; then replays each capture against the real server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { groupEvent } from '../src/grouping/grouping.js';
import { normalizeEvent } from '../src/ingest/normalize.js';
import { type IngestPayload, readEnvelopeBody, readStoreBody } from '../src/ingest/request.js';
import { type Capture, loadCapture, loadCaptures } from './helpers/fixtures.js';
import { getJson, send, startTracker, type TrackerTest } from './helpers/server.js';

function decode(c: Capture): IngestPayload {
  const body = c.headers['content-encoding'] === 'gzip' ? gunzipSync(c.body) : c.body;
  return c.url.includes('/store/') ? readStoreBody(body, c.headers['content-type']) : readEnvelopeBody(body);
}

function eventOf(name: string) {
  const [e] = decode(loadCapture(name)).events;
  return normalizeEvent(e.raw, {
    receivedAtMs: 0,
    envelopeEventId: e.envelopeEventId,
    newEventId: () => 'x',
  });
}

describe('fixtures decode to the documented facts', () => {
  test('every capture decodes', () => {
    const captures = loadCaptures();
    assert.equal(captures.length, 22);
    for (const c of captures) {
      const p = decode(c);
      const items = Object.keys(p.itemCounts);
      if (c.name.endsWith('-session')) assert.deepEqual(items, ['session'], c.name);
      else if (c.name.includes('client-report')) assert.deepEqual(items, ['client_report'], c.name);
      else assert.equal(p.events.length, 1, c.name);
    }
  });

  test('@sentry/node message: envelope event_id, synthetic exception without type, bare breadcrumbs', () => {
    const ev = eventOf('sentry-node-11.12.0-message-2-event.json');
    assert.equal(ev.event_id, 'd6132abe9e29402692bb4f3de9b5d683');
    assert.equal(ev.level, 'warning');
    assert.equal(ev.message, 'Disk usage above 90% on /var');
    const values = (ev.exception as { values: { type?: string; mechanism: { synthetic: boolean } }[] })
      .values;
    assert.equal(values[0].type, undefined);
    assert.equal(values[0].mechanism.synthetic, true);
  });

  test('@sentry/node rich context: tags, user, fingerprint, breadcrumbs list → {values}', () => {
    const ev = eventOf('sentry-node-11.12.0-rich-context-2-event.json');
    assert.deepEqual(ev.tags, { tenant: 'acme' });
    assert.deepEqual(ev.user, { id: '42', email: 'jane@example.com' });
    assert.deepEqual(ev.fingerprint, ['{{ default }}', 'checkout']);
    const crumbs = (ev.breadcrumbs as { values: { message: string }[] }).values;
    assert.equal(crumbs.length, 1);
    assert.equal(crumbs[0].message, 'cart loaded with 3 items');
    assert.deepEqual(Object.keys(ev.extra as object), ['order_id']);
  });

  test('sentry-python: chained exception cause first, logentry formatted, _meta kept', () => {
    const chained = eventOf('sentry-python-1.9.10-chained-exception.json');
    const types = (chained.exception as { values: { type: string }[] }).values.map((v) => v.type);
    assert.deepEqual(types, ['KeyError', 'ValueError']);
    const log = eventOf('sentry-python-1.9.10-logging-error.json');
    assert.equal(log.message, 'payment failed for order 1234: insufficient funds');
    assert.equal(log.logger, 'shop.orders');
    const uncaught = eventOf('sentry-python-1.9.10-zero-division-uncaught.json');
    assert.ok(uncaught._meta, 'unknown top-level fields are kept');
    assert.equal((uncaught.modules as object) && Object.keys(uncaught.modules as object).length, 52);
  });

  test('sessions and client reports are counted, not stored', () => {
    const s = decode(loadCapture('sentry-node-11.12.0-uncaught-exception-1-session.json'));
    assert.deepEqual(s.sessions, [
      { release: 'shop@1.2.3', environment: 'production', started: 1, crashed: 1, errored: 0, abnormal: 0 },
    ]);
    const py = decode(loadCapture('sentry-python-1.9.10-session-2-session.json'));
    assert.equal(py.sessions[0].started, 1);
    const cr = decode(loadCapture('sentry-python-1.9.10-dropped-client-report.json'));
    assert.deepEqual(cr.itemCounts, { client_report: 1 });
    assert.equal(cr.events.length, 0);
  });

  test('grouping: the two same-line python errors match; custom fingerprint splits from default', () => {
    const a = groupEvent(eventOf('sentry-python-1.9.10-grouping-same-line-1-event.json'));
    const b = groupEvent(eventOf('sentry-python-1.9.10-grouping-same-line-2-event.json'));
    assert.equal(a.hash, b.hash);
    const rich = eventOf('sentry-python-1.9.10-rich-context.json');
    const withoutFp = { ...rich };
    delete withoutFp.fingerprint;
    assert.notEqual(groupEvent(rich).hash, groupEvent(withoutFp).hash);
    // the same TypeError reached through different call paths (scenario functions) splits, as in Sentry
    const n1 = groupEvent(eventOf('sentry-node-11.12.0-type-error-nested-2-event.json'));
    const n2 = groupEvent(eventOf('sentry-node-11.12.0-natural-exit-2-event.json'));
    assert.notEqual(n1.hash, n2.hash);
  });
});

describe('fixtures replayed against the server', () => {
  let t: TrackerTest;
  before(async () => {
    // inline preparation here; the other suites use the default worker thread
    t = await startTracker({ INGEST_WORKERS: '0' });
  });
  after(async () => t.close());

  test('every capture is accepted with its original headers', async () => {
    for (const c of loadCaptures()) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.headers)) {
        if (!['host', 'content-length', 'transfer-encoding', 'connection'].includes(k)) headers[k] = v;
      }
      const res = await send(`${t.url}${c.url}`, {
        headers,
        body: c.body,
        chunked: c.headers['transfer-encoding'] === 'chunked',
      });
      assert.equal(res.status, 200, `${c.name}: ${res.body}`);
      const id = (res.json() as { id?: string }).id;
      const p = decode(c);
      if (p.events.length > 0) assert.match(id ?? '', /^[0-9a-f]{32}$/, c.name);
    }
    t.drain();
    const { data } = await getJson<{ data: { id: number; title: string; event_count: number }[] }>(
      t,
      '/api/issues?limit=100',
    );
    const byTitle = new Map(data.map((i) => [i.title, i]));
    const sameLine = data.filter(
      (i) => i.title === "ValueError: invalid literal for int() with base 10: 'abc'",
    );
    assert.equal(sameLine.length, 1);
    assert.equal(sameLine[0].event_count, 2);
    const typeErrors = data.filter(
      (i) => i.title === "TypeError: Cannot read properties of undefined (reading 'street')",
    );
    assert.equal(typeErrors.length, 3, 'three call paths, three issues');
    const declined = data.filter((i) => i.title.endsWith('card declined: amount 25000 exceeds limit'));
    assert.equal(declined.length, 2, 'node Error and python RuntimeError with fingerprints');
    assert.ok(byTitle.has('Disk usage above 90% on /var'));
    const releases = await getJson<{
      data: { release: string; sessions: number; crashed: number; crash_free_rate: number }[];
    }>(t, '/api/projects/1/releases');
    assert.equal(releases.data[0].release, 'shop@1.2.3');
    assert.equal(releases.data[0].crashed, 1);
    assert.ok(releases.data[0].sessions >= 6);
    const counts = await getJson<{ data: { type: string; count: number }[] }>(
      t,
      '/api/projects/1/item-counts',
    );
    const byType = Object.fromEntries(counts.data.map((r) => [r.type, r.count]));
    assert.equal(byType.client_report, 2);
    assert.equal(byType.event, 13);
  });
});
