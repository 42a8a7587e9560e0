import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExposition } from '../ingest/exposition.js';
import { TargetMetadata } from './target-metadata.js';

const scrape = (text: string, openMetrics = false) => parseExposition(text, { openMetrics });

test('TargetMetadata lists what # TYPE, # HELP and OpenMetrics # UNIT named, untyped as unknown', () => {
  const m = new TargetMetadata();
  m.update(
    scrape(
      '# TYPE a untyped\na 1\n# HELP b B.\nb 1\n# UNIT c seconds\nc 1\nd 1\n# TYPE e gauge\n# UNIT e bytes\ne 1\n',
    ),
  );
  assert.deepEqual(m.list(), [
    { metric: 'a', type: 'unknown', help: '', unit: '' },
    { metric: 'b', type: 'unknown', help: 'B.', unit: '' },
    { metric: 'e', type: 'gauge', help: '', unit: '' },
  ]);
  m.update(scrape('# TYPE e gauge\n# UNIT e bytes\ne 1\n# EOF\n', true));
  assert.deepEqual(m.get('e'), { metric: 'e', type: 'gauge', help: '', unit: 'bytes' });
});

test('TargetMetadata keeps a family 10 scrapes after it was last seen, as the scrape cache', () => {
  const m = new TargetMetadata();
  m.update(scrape('# TYPE gone counter\ngone 1\n'));
  for (let i = 0; i < 10; i++) m.update(scrape('# TYPE kept gauge\nkept 1\n'));
  assert.deepEqual(m.get('gone')?.type, 'counter');
  m.update(scrape('# TYPE kept gauge\nkept 1\n'));
  assert.equal(m.get('gone'), undefined);
  assert.deepEqual(
    m.list().map((e) => e.metric),
    ['kept'],
  );
});
