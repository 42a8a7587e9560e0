import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeBlock, encodeColumns } from './block-codec.js';
import { BlockReader } from './block-reader.js';
import type { JsonValue, LogRecord } from '../model.js';
import { toRow } from './row.js';
import { RowColumns } from './row-columns.js';
import { testRow as row } from './testing/rows.js';

const rows = [
  row(1, { attrs: '{"user":"u-1","status":200}', traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }),
  row(2, { message: 'ünïcödé ✓', attrs: '{"user":"u-2","status":500}', level: 4, levelText: 'error' }),
  row(3, { attrs: '{"spaced": true}', host: 'db-7', labels: '{"env":"prod"}', traceId: 'ef'.repeat(16) }),
  row(4, { attrs: '', message: '' }),
  row(5, { attrs: '{"nested":{"a":[1,2]},"user":"ü"}', spanId: '01'.repeat(8), protocol: 'otlp' }),
];

test('column tables give back the rows they were given', () => {
  const c = RowColumns.fromRows(rows);
  assert.deepEqual(c.rows(), rows);
  assert.equal(c.tuples.length, 4, 'rows 1 and 4 share their stream tuple');
});

test('append() numbers rows from seqBase and dropPrefix() keeps the later rows intact', () => {
  const open = new RowColumns(2);
  open.append(RowColumns.fromRows(rows.slice(0, 3)), 10);
  open.append(RowColumns.fromRows(rows.slice(3)));
  const renumbered = rows.map((r, i) => (i < 3 ? { ...r, seq: 10 + i } : r));
  assert.deepEqual(open.rows(), renumbered);
  open.dropPrefix(2);
  assert.deepEqual(open.rows(), renumbered.slice(2));
  open.append(RowColumns.fromRows(rows.slice(0, 1)), 20);
  assert.deepEqual(open.rows(), [...renumbered.slice(2), { ...rows[0], seq: 20 }]);
  open.dropPrefix(4);
  assert.deepEqual(open.rows(), []);
  open.append(RowColumns.fromRows(rows));
  assert.deepEqual(open.rows(), rows);
});

test('encodeColumns() of a range writes the block encodeBlock() writes for those rows', () => {
  const shuffled = [rows[2], rows[0], rows[4], rows[1], rows[3]];
  const c = RowColumns.fromRows([row(9), ...shuffled]);
  const block = encodeColumns(c, 1, 6);
  assert.deepEqual(block, encodeBlock(shuffled));
  assert.deepEqual(new BlockReader(block.data, '').allRows(), rows);
});

test('pushRecord() adds what pushRow(toRow()) adds, attributes rebuilt to their JSON text', () => {
  const attributes: Record<string, JsonValue>[] = [
    { user: 'u-1', status: 200, ok: true },
    {},
    { 'say "hi"': 'x\ny', ünï: ['cödé', { deep: null }], 10: 'int keys first', 2: 2.5 },
    { user: 'u-2', status: 500, ok: false },
    JSON.parse('{"__proto__":{"a":1},"b":[]}') as Record<string, JsonValue>,
  ];
  const records: LogRecord[] = attributes.map((attrs, i) => ({
    timeNs: 1_795_635_890_123_456_789n + BigInt(i),
    observedNs: 1_795_635_891_000_000_000n,
    level: i === 1 ? 'error' : 'info',
    levelText: i === 1 ? 'ERROR' : '',
    severity: i === 1 ? 17 : 9,
    service: 'api',
    host: 'h1',
    message: `m${i}`,
    attributes: attrs,
    traceId: i === 0 ? 'ab'.repeat(16) : '',
    spanId: '',
    labels: i === 2 ? { env: 'prod' } : {},
    protocol: 'otlp',
  }));
  const c = new RowColumns(2);
  records.forEach((r, i) => {
    c.pushRecord(r, 5 + i);
  });
  assert.deepEqual(
    c.rows(),
    records.map((r, i) => toRow(r, 5 + i)),
  );
});
