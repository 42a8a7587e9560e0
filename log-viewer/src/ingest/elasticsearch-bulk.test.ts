import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParseError } from '@flowrent/shared/errors';
import { bulkResponse, parseBulk } from './elasticsearch-bulk.js';

const NOW = 1_800_000_000_000_000_000n;

test('parseBulk reads index/create pairs and answers per item', () => {
  const body = [
    '{"create":{"_index":"logs-app"}}',
    '{"@timestamp":"2026-11-25T19:44:54.077Z","message":"cannot open file","host":{"name":"h1"},"log.level":"error","service.name":"files"}',
    '{"index":{}}',
    '{"log":"fluent bit line\\n","stream":"stderr"}',
    '{"delete":{"_id":"1"}}',
    '{"update":{"_id":"1"}}',
    '{"doc":{}}',
    '{"index":{}}',
    '{"message":"x","@timestamp":"never"}',
    '{"index":{}}',
    'not json',
    '',
  ].join('\n');
  const { records, items } = parseBulk(body, NOW);
  assert.deepEqual(
    items.map((i) => [i.action, i.status]),
    [
      ['create', 201],
      ['index', 201],
      ['delete', 400],
      ['update', 400],
      ['index', 400],
      ['index', 400],
    ],
  );
  assert.equal(records.length, 2);
  assert.deepEqual(
    [records[0].message, records[0].level, records[0].host, records[0].service],
    ['cannot open file', 'error', 'h1', 'files'],
  );
  assert.equal(records[0].timeNs, 1_795_635_894_077_000_000n);
  assert.deepEqual(records[0].labels, { _index: 'logs-app' });
  assert.equal(records[1].message, 'fluent bit line\n');
  assert.equal(records[1].attributes.stream, 'stderr');
  const resp = bulkResponse(items, 3) as { errors: boolean; items: object[] };
  assert.equal(resp.errors, true);
  assert.deepEqual(resp.items[0], { create: { _index: 'logs-app', status: 201 } });
});

test('parseBulk fails the request on a broken action line or a missing document', () => {
  assert.throws(
    () => parseBulk('{"index":\n{}', NOW),
    (e: Error) => e instanceof ParseError && /line 1/.test(e.message),
  );
  assert.throws(() => parseBulk('{"index":{}}\n', NOW), /has no document line/);
  assert.throws(() => parseBulk('[1]\n{}', NOW), /expected an action object/);
});
