// Odd input on the read API over real HTTP (real server on loopback, real block store on a temp
// dir): field names that are JavaScript prototype keys, regexes that backtrack polynomially, ...
// Each gets a correct answer or a clear 4xx, never a 500 or a request held for minutes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, logRecord, startApi } from './api-helpers.js';

let api: Api;

before(async () => {
  api = await startApi();
  await api.store.append([
    ...Array.from({ length: 5 }, (_, i) => logRecord(i)),
    logRecord(5, { attributes: { constructor: 'own-key', toString: 'x' } }),
  ]);
});
after(async () => {
  await api.close();
});

interface Page {
  data: { seq: number; message: string }[];
  truncated: boolean;
}

async function search(query: string) {
  return api.json<Page>(`/api/logs?from=7d&query=${encodeURIComponent(query)}`);
}

test('field names that are prototype keys read only keys a record holds: no 500, no match of every record', async () => {
  const cases: [query: string, matches: number][] = [
    ['__proto__:x', 0],
    ['__proto__:*', 0],
    ['constructor:*', 1], // only the record with an own "constructor" attribute
    ['constructor:=own-key', 1],
    ['toString:*', 1],
    ['hasOwnProperty:*', 0],
    ['valueOf:~.', 0],
    ['user.constructor:*', 0],
    ['labels.constructor:*', 0],
    ['labels.__proto__:x', 0],
    ['user.__proto__.x:*', 0],
  ];
  for (const [query, matches] of cases) {
    const res = await search(query);
    assert.equal(res.status, 200, query);
    assert.equal(res.body.data.length, matches, query);
  }
  for (const path of ['/api/logs/histogram?from=7d&query=', '/api/fields?from=7d&query=']) {
    const res = await api.json(`${path}${encodeURIComponent('__proto__:x')}`);
    assert.equal(res.status, 200, path);
  }
});
