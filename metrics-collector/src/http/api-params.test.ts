import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormParams } from './api-params.js';

test('FormParams reads the body first, then the query string exactly as URL.searchParams would', () => {
  const targets = [
    '/api/v1/query',
    '/api/v1/query?',
    '/api/v1/query?query=up',
    '/api/v1/query_range?query=sum(rate(x%5B5m%5D))+by+(a)&start=1&end=2&step=15',
    '/api/v1/series?match[]=a&match[]=b&match%5B%5D=c',
    '/x?a=1#frag&b=2',
    '/x?a=%zz&b=caf\u00c3\u00a9&c=a b"<>',
    '/x??a=1&=&&b',
    '/x?a=1;b=2&a=3',
  ];
  for (const target of targets) {
    const p = new FormParams(target, Buffer.from('query=body&a=0'));
    const want = new URLSearchParams('query=body&a=0');
    for (const [k, v] of new URL(target, 'http://localhost').searchParams) want.append(k, v);
    for (const name of new Set([...want.keys(), 'missing'])) {
      assert.equal(p.get(name), want.get(name) ?? undefined, `${target}: ${name}`);
      assert.deepEqual(p.getAll(name), want.getAll(name), `${target}: ${name}[]`);
    }
  }
});
