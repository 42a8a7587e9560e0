import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  readBreadcrumbs,
  readThreadStack,
  readExceptions,
  readMessage,
  readTags,
  readTraceId,
  timestampMs,
} from './event-view.js';
import { loadFixtureEvents } from './testing/fixture-events.js';

const events = loadFixtureEvents();
const get = (name: string) => {
  const e = events.get(name);
  assert.ok(e, `fixture ${name}`);
  return e;
};

test('loadFixtureEvents() finds every captured event, python store and node envelopes', () => {
  assert.equal(events.size, 13);
});

test('readExceptions() puts the raised exception first and its cause after (python chain)', () => {
  const ex = readExceptions(get('sentry-python-1.9.10-chained-exception'));
  assert.deepEqual(
    ex.map((e) => e.type),
    ['ValueError', 'KeyError'],
  );
  assert.equal(ex[1].frames[0].function, 'load_config');
  assert.equal(ex[1].frames[0].contextLine, '    return cfg["database_url"]');
  assert.deepEqual(ex[1].frames[0].vars, [['cfg', { debug: 'True' }]]);
});

test('readExceptions() orders node frames most recent call first with in_app kept', () => {
  const [e] = readExceptions(get('sentry-node-11.12.0-uncaught-exception-2-event'));
  assert.equal(e.type, 'TypeError');
  assert.equal(e.frames[0].function, 'formatAddress');
  assert.equal(e.frames[0].inApp, true);
  assert.ok(e.frames.some((f) => !f.inApp));
  assert.deepEqual(e.mechanism, { type: 'auto.node.onuncaughtexception', handled: false, synthetic: false });
});

test('readExceptions() accepts a bare list and tolerates junk', () => {
  const check = (input: unknown, types: string[]) =>
    assert.deepEqual(
      readExceptions({ exception: input as never }).map((e) => e.type),
      types,
    );
  check([{ type: 'A' }, { type: 'B' }], ['B', 'A']);
  check({ values: [{ type: 'A', stacktrace: { frames: 'nope' } }] }, ['A']);
  check('garbage', []);
  check([null, 3], ['', '']);
});

test('readMessage() formats logentry params and reads plain messages', () => {
  assert.equal(
    readMessage(get('sentry-python-1.9.10-logging-error')),
    'payment failed for order 1234: insufficient funds',
  );
  assert.equal(readMessage(get('sentry-node-11.12.0-message-2-event')), 'Disk usage above 90% on /var');
  assert.equal(readMessage({ logentry: { message: 'x %s', formatted: 'x y' } }), 'x y');
});

test('readBreadcrumbs() reads {values} and bare lists with both timestamp forms', () => {
  const py = readBreadcrumbs(get('sentry-python-1.9.10-rich-context'));
  assert.equal(py.length, 3);
  assert.equal(py[2].category, 'payment');
  assert.deepEqual(py[2].data, { provider: 'stripe' });
  assert.equal(py[0].data, null);
  const node = readBreadcrumbs(get('sentry-node-11.12.0-rich-context-2-event'));
  assert.equal(node[0].message, 'cart loaded with 3 items');
  assert.equal(node[0].timestampMs, 1795635883104);
});

test('timestampMs() reads RFC 3339 with and without zone and epoch seconds', () => {
  const check = (input: unknown, expected: number | null) => assert.equal(timestampMs(input), expected);
  check('2026-11-25T19:44:36.436Z', Date.UTC(2026, 10, 25, 19, 44, 36, 436));
  check('2026-11-25T19:44:36.436', Date.UTC(2026, 10, 25, 19, 44, 36, 436));
  check(1795635883.5, 1795635883500);
  check('nonsense', null);
  check(null, null);
});

test('readTags() reads objects and lists of pairs; readTraceId() only accepts 32 hex', () => {
  assert.deepEqual(readTags({ tags: { tenant: 'acme' } }), [['tenant', 'acme']]);
  assert.deepEqual(readTags({ tags: [['a', 'b'], ['c'], 'x'] }), [['a', 'b']]);
  assert.equal(
    readTraceId(get('sentry-node-11.12.0-rich-context-2-event')),
    '0e37cd84a5c14911ba036e32cf9c6d49',
  );
  assert.equal(readTraceId({ contexts: { trace: { trace_id: 'javascript:alert(1)' } } }), null);
});

test('readThreadStack() reads a top-level stacktrace, else the crashed or current thread', () => {
  const frames = (fn: string) => ({ frames: [{ function: `${fn}-outer` }, { function: fn }] });
  const check = (event: object, expected: string[]) =>
    assert.deepEqual(
      readThreadStack(event as never).map((f) => f.function),
      expected,
    );
  check({ stacktrace: frames('top') }, ['top', 'top-outer']);
  check({ threads: { values: [{ stacktrace: frames('a') }, { current: true, stacktrace: frames('b') }] } }, [
    'b',
    'b-outer',
  ]);
  check({ threads: [{ id: 1 }, { stacktrace: frames('c') }] }, ['c', 'c-outer']);
  check({}, []);
});
