import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderBreadcrumbs, renderContexts, renderRequest, renderUser } from './event-panels.js';
import { type Json, readBreadcrumbs, readExceptions } from './event-view.js';
import { renderSparkline, last24Hours } from './sparkline.js';
import { formatValue, MAX_FORMAT_DEPTH, renderExceptions } from './stack-trace.js';
import { loadFixtureEvents } from './testing/fixture-events.js';

const events = loadFixtureEvents();
const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror=alert(1)>';

test('renderExceptions() shows the chain with Caused by, context lines and local vars (python)', () => {
  const out = renderExceptions(readExceptions(events.get('sentry-python-1.9.10-chained-exception')!)).value;
  const types = [...out.matchAll(/<span class="exc-type">(\w+)<\/span>/g)].map((m) => m[1]);
  assert.deepEqual(types, ['ValueError', 'KeyError']);
  assert.ok(
    out.indexOf('Caused by') > out.indexOf('exc-type">ValueError') &&
      out.indexOf('Caused by') < out.indexOf('exc-type">KeyError'),
  );
  assert.ok(
    out.includes(
      '<span class="line current"><span class="lineno">69</span>    return cfg[&quot;database_url&quot;]</span>',
    ),
  );
  assert.ok(out.includes('<span class="lineno">64</span>    init(dsn)'));
  assert.match(out, /Local variables/);
  assert.match(out, /&#39;http:\/\/publickey@127\.0\.0\.1:18080\/1&#39;/);
});

test('renderExceptions() emphasizes in-app frames and folds runs of system frames (node)', () => {
  const out = renderExceptions(
    readExceptions(events.get('sentry-node-11.12.0-uncaught-exception-2-event')!),
  ).value;
  assert.match(
    out,
    /<details class="stack-frame in-app" open><summary class="frame-title"><span class="frame-file">\/srv\/shop\/sentry_node_client\.cjs<\/span> in <span class="frame-fn">formatAddress<\/span>/,
  );
  assert.match(
    out,
    /<details class="stack-frame system-frames"><summary class="frame-title muted">2 system frames<\/summary>/,
  );
  assert.equal((out.match(/ open>/g) ?? []).length, 1);
  assert.ok(out.includes('<span class="badge level-error">unhandled</span>'));
});

test('renderExceptions() titles a synthetic message exception without a type', () => {
  const out = renderExceptions(readExceptions(events.get('sentry-node-11.12.0-message-2-event')!)).value;
  assert.match(
    out,
    /<span class="exc-type">Message<\/span>: <span class="exc-value">Disk usage above 90% on \/var<\/span>/,
  );
});

test('every renderer escapes hostile client text', () => {
  const event = {
    exception: [
      {
        type: HOSTILE,
        value: HOSTILE,
        mechanism: { type: HOSTILE },
        stacktrace: {
          frames: [
            {
              filename: HOSTILE,
              function: HOSTILE,
              in_app: true,
              lineno: 1,
              context_line: HOSTILE,
              pre_context: [HOSTILE],
              vars: { [HOSTILE]: HOSTILE, o: { [HOSTILE]: [HOSTILE] } },
            },
          ],
        },
      },
    ],
    breadcrumbs: [
      { message: HOSTILE, category: HOSTILE, level: HOSTILE, type: HOSTILE, data: { k: HOSTILE } },
    ],
    request: {
      url: 'javascript:alert(1)',
      method: HOSTILE,
      headers: { [HOSTILE]: HOSTILE },
      data: HOSTILE,
      query_string: HOSTILE,
    },
    user: { id: HOSTILE, email: HOSTILE },
    contexts: { [HOSTILE]: { [HOSTILE]: HOSTILE } },
  };
  const out = [
    renderExceptions(readExceptions(event as never)).value,
    renderBreadcrumbs(readBreadcrumbs(event as never)).value,
    renderRequest(event as never)!.value,
    renderUser(event as never)!.value,
    renderContexts(event as never)!.value,
  ].join('\n');
  assert.doesNotMatch(out, /<script|<img|onerror=alert\(1\)>|href="javascript/i);
  assert.ok(out.includes('&lt;script&gt;window.__pwned&#61;1&lt;/script&gt;'));
  assert.match(out, /class="badge level-unknown"/);
});

test('renderBreadcrumbs() and renderContexts() show python and node data', () => {
  const crumbs = renderBreadcrumbs(readBreadcrumbs(events.get('sentry-python-1.9.10-rich-context')!)).value;
  assert.match(crumbs, /coupon SPRING10 expired/);
  assert.match(crumbs, /level-warn/);
  assert.match(crumbs, /&quot;provider&quot;: &quot;stripe&quot;/);
  const ctx = renderContexts(events.get('sentry-node-11.12.0-rich-context-2-event')!)!.value;
  assert.match(ctx, /<h4>runtime<\/h4>/);
  assert.doesNotMatch(ctx, /cloud_resource/);
  assert.equal(renderBreadcrumbs([]).value, '<p class="muted">No breadcrumbs.</p>');
});

test('renderSparkline() draws one bar per hour scaled to the busiest hour', () => {
  const svg = renderSparkline([0, 2, 4]).value;
  assert.equal((svg.match(/<rect /g) ?? []).length, 3);
  assert.match(svg, /height="24\.00"><title>4<\/title>/);
  assert.match(svg, /height="0\.00"><title>0<\/title>/);
  assert.match(svg, /aria-label="6 events per hour/);
});

test('last24Hours() lays stored hours onto the 24 hours ending now', () => {
  const now = Date.UTC(2026, 10, 25, 12, 30);
  const hour = (h: number) => Date.UTC(2026, 10, 25, h);
  const out = last24Hours(
    [
      { hourMs: hour(12), count: 5 },
      { hourMs: hour(11), count: 2 },
      { hourMs: hour(12) - 24 * 3600_000, count: 9 },
    ],
    now,
  );
  assert.equal(out.length, 24);
  assert.deepEqual(out.slice(-2), [2, 5]);
  assert.equal(
    out.reduce((a, b) => a + b, 0),
    7,
  );
});

test('formatValue() shows python reprs as sent and quotes plain strings like JSON', () => {
  const check = (input: Json, expected: string) => assert.equal(formatValue(input), expected);
  check("'5'", "'5'");
  check('plain', '"plain"');
  check(["'5'", 1, null], "[\n  '5',\n  1,\n  null\n]");
  check({ id: "'4'", tags: {} }, `{\n  "id": '4',\n  "tags": {}\n}`);
  check({ a: ['"x"', "'"] }, `{\n  "a": [\n    "x",\n    "'"\n  ]\n}`);
});

test('formatValue() shows containers below MAX_FORMAT_DEPTH levels as placeholders, however deep', () => {
  let deep: Json = [];
  for (let i = 0; i < 20_000; i++) deep = [deep];
  const out = formatValue(deep);
  assert.equal((out.match(/\[\n/g) ?? []).length, MAX_FORMAT_DEPTH);
  assert.ok(out.includes(`${'  '.repeat(MAX_FORMAT_DEPTH)}[Array]`));
  let nested: Json = { last: 1 };
  for (const key of 'jihgfedcba') nested = { [key]: nested };
  const obj = formatValue(nested);
  assert.match(obj, /"j": \[Object\]/, 'the 11th object is a placeholder');
  assert.doesNotMatch(obj, /"last"/);
});
