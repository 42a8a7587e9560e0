import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogRecord } from '../model.js';
import { cutoffMs, refuseOld } from './age-cutoff.js';
import { parseBody } from './body-parsers.js';

test('cutoffMs(): the service own cut-off, null = forever, else the default, else none', () => {
  const cutoff = { minMs: 1000, services: { a: 500, forever: null } };
  const check = (service: string, expected: number) =>
    assert.equal(cutoffMs(cutoff, service), expected, service);
  check('a', 500);
  check('forever', Number.NEGATIVE_INFINITY);
  check('other', 1000);
  check('__proto__', 1000);
  assert.equal(cutoffMs({}, 'a'), Number.NEGATIVE_INFINITY);
});

const record = (ms: number, service = 'api'): LogRecord =>
  ({ timeNs: BigInt(ms) * 1_000_000n, service, labels: {}, message: String(ms) }) as LogRecord;

test('refuseOld(): a record exactly at the cut-off stays; NDJSON errors name the record, at most 5', () => {
  const records = [record(999), record(1000), ...Array.from({ length: 6 }, (_, i) => record(i))];
  const out = refuseOld('ndjson', { records, rejected: 0, errors: [] }, { minMs: 1000 });
  assert.deepEqual(
    out.records.map((r) => r.message),
    ['1000'],
  );
  assert.equal(out.rejected, 7);
  assert.equal(out.errors.length, 6);
  assert.match(out.errors[0], /^record 1: timestamp 1970-01-01T00:00:00\.999Z is older/);
  assert.equal(out.errors[5], 'and 2 more records older than the retention');
});

test('bulk: the refused documents are the 201 items in order; other items keep their status', () => {
  const doc = (ts: number, i: number) =>
    `{"create":{}}\n{"@timestamp":"${new Date(ts).toISOString()}","message":"d${i}"}`;
  const body = Buffer.from([doc(2000, 0), '{"update":{}}\n{}', doc(500, 1), doc(3000, 2)].join('\n'));
  const parsed = parseBody('elasticsearch-bulk', body, 0n, undefined, { cutoff: { minMs: 1000 } });
  assert.deepEqual(
    parsed.items?.map((i) => i.status),
    [201, 400, 400, 201],
  );
  assert.match(parsed.items?.[2].error?.reason ?? '', /older than the retention/);
  assert.deepEqual(
    parsed.records.map((r) => r.message),
    ['d0', 'd2'],
  );
  assert.equal(parsed.rejected, 2);
});
