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

  // [capture, event_id, level, platform, main exception type or '' , in-app frames of the main exception]
  const EVENTS: [string, string, string, string, string, number][] = [
    ['sentry-node-11.12.0-message-2-event', 'd6132abe9e29402692bb4f3de9b5d683', 'warning', 'node', '', 3],
    [
      'sentry-node-11.12.0-natural-exit-2-event',
      '6ce63f77ff5e45569721ac06960c58a8',
      'error',
      'node',
      'TypeError',
      6,
    ],
    [
      'sentry-node-11.12.0-rich-context-2-event',
      '55271d00c52943228f2ce88a385202a2',
      'error',
      'node',
      'Error',
      5,
    ],
    [
      'sentry-node-11.12.0-type-error-nested-2-event',
      '60c97fc98e294808bdeab59e8c5f2d5b',
      'error',
      'node',
      'TypeError',
      6,
    ],
    [
      'sentry-node-11.12.0-uncaught-exception-2-event',
      'b6e55e44b6844b00a242b65caf8bb725',
      'fatal',
      'node',
      'TypeError',
      4,
    ],
    [
      'sentry-python-1.9.10-chained-exception',
      '48759cca7e044c0985fb0de355829cca',
      'error',
      'python',
      'ValueError',
      2,
    ],
    [
      'sentry-python-1.9.10-grouping-same-line-1-event',
      'c946c6cb5ad3498b83e22954a87694ad',
      'error',
      'python',
      'ValueError',
      2,
    ],
    [
      'sentry-python-1.9.10-grouping-same-line-2-event',
      '08414ffe2a504c31952e5b0076480730',
      'error',
      'python',
      'ValueError',
      2,
    ],
    ['sentry-python-1.9.10-logging-error', '90046678ae3f428d837b7294f087842b', 'error', 'python', '', 0],
    ['sentry-python-1.9.10-message-warning', '0770b7c88cb340839989fa0b31cedc9a', 'warning', 'python', '', 0],
    [
      'sentry-python-1.9.10-rich-context',
      '8edb0837b3e7483aafccbd6fc4e18fa4',
      'error',
      'python',
      'RuntimeError',
      2,
    ],
    [
      'sentry-python-1.9.10-session-1-event',
      '1d29c41920854b29afae855436ce7a9e',
      'error',
      'python',
      'KeyError',
      1,
    ],
    [
      'sentry-python-1.9.10-zero-division-uncaught',
      'e21a22d53ae94708aab589e4c1f2941f',
      'error',
      'python',
      'ZeroDivisionError',
      6,
    ],
  ];
  for (const [name, id, level, platform, type, inApp] of EVENTS) {
    test(`${name}: ${id} ${level} ${platform} ${type || '(message)'}`, () => {
      const ev = eventOf(`${name}.json`);
      assert.equal(ev.event_id, id);
      assert.equal(ev.level, level);
      assert.equal(ev.platform, platform);
      assert.equal(ev.release, 'shop@1.2.3');
      assert.equal(ev.environment, 'production');
      assert.equal(ev.server_name, 'capture-host');
      const values =
        (
          ev.exception as
            | { values: { type?: string; stacktrace?: { frames: { in_app?: boolean }[] } }[] }
            | undefined
        )?.values ?? [];
      const main = values[values.length - 1];
      assert.equal(main?.type ?? '', type);
      assert.equal(main?.stacktrace?.frames.filter((f) => f.in_app).length ?? 0, inApp);
    });
  }

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
      {
        release: 'shop@1.2.3',
        environment: 'production',
        started: 1,
        crashed: 1,
        errored: 0,
        abnormal: 0,
        sid: 'bedda1ec6a0e4afb9fd6eb3bc4cd1b98',
      },
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
