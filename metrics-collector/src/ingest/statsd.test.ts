import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatsdDatagram } from './statsd.js';

test('parseStatsdDatagram() reads values, signs, rates and tags, and reports bad lines with the reason', () => {
  const check = (line: string, expected: object | RegExp) => {
    const r = parseStatsdDatagram(line);
    if (expected instanceof RegExp) {
      assert.equal(r.metrics.length, 0, line);
      assert.match(r.errors[0] ?? '', expected, line);
    } else {
      assert.deepEqual(r.errors, [], line);
      const { name, type, values, relative, sampleRate, tags } = r.metrics[0]!;
      assert.deepEqual({ name, type, values, relative, sampleRate, tags }, { ...expected }, line);
    }
  };
  const c = { type: 'c', relative: false, sampleRate: 1, tags: [] };
  check('a.b:1|c', { ...c, name: 'a_b', values: [1] });
  check('a:-1|c', { ...c, name: 'a', values: [-1] }); // parsed; the aggregator drops it
  check('a:1|c|@0.5', { ...c, name: 'a', values: [1], sampleRate: 0.5 });
  check('a:1:2:3|c', { ...c, name: 'a', values: [1, 2, 3] });
  check('a:1|c|#env:prod,canary', {
    ...c,
    name: 'a',
    values: [1],
    tags: [
      ['env', 'prod'],
      ['canary', 'true'],
    ],
  });
  check('g:+5|g', { ...c, type: 'g', name: 'g', values: [5], relative: true });
  check('g:-3|g', { ...c, type: 'g', name: 'g', values: [-3], relative: true });
  check('g:1.5e3|g', { ...c, type: 'g', name: 'g', values: [1500] });
  check('a:abc|c', /^invalid value "abc"/);
  check('a:1e999|c', /^value out of range "1e999"/);
  check('a:-1e999|g', /^value out of range "-1e999"/);
  check('a:1|c|@0', /^invalid sample rate "@0"/);
  check('a:1|x', /^unknown type "x"/);
  check(':1|c', /^missing name:value/);
  // Labels the collector writes itself refuse the line (black-box 32: buckets lost, series renamed).
  check('lat:100|ms|#le:5,route:/a', /^tag "le" is reserved for the histogram buckets/);
  check('lat:1|h|#le:5', /^tag "le" is reserved/);
  check('lat,le=5:1|d', /^tag "le" is reserved/);
  check('cnt:1|c|#__name__:evil', /^tag "__name__" is reserved/);
  check('cnt,__x=1:1|c', /^tag "__x" is reserved/);
  check('cnt:1|c|#le:5', { ...c, name: 'cnt', values: [1], tags: [['le', '5']] });
});
