// Bad input on the read API and OTLP's Content-Type, over real HTTP: each gets its own 4xx with a
// JSON error naming what was wrong, never a 200 that quietly means something else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, logRecord, startApi } from './api-helpers.js';

let api: Api;

before(async () => {
  api = await startApi();
  await api.store.append(Array.from({ length: 5 }, (_, i) => logRecord(i)));
});
after(async () => {
  await api.close();
});

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: { param?: string; position?: number; supported?: string[] };
  };
}

test('GET /api/logs with a cursor no page gave out is a 400 naming the parameter, not the first page', async () => {
  for (const cursor of ['garbage', '1.2', '1.2.x', '']) {
    const res = await api.json<ErrorBody>(`/api/logs?from=7d&cursor=${encodeURIComponent(cursor)}`);
    if (cursor === '') {
      assert.equal(res.status, 200); // an empty cursor is the first page, as without one
      continue;
    }
    assert.equal(res.status, 400, cursor);
    assert.equal(res.body.error.details?.param, 'cursor');
    assert.match(res.body.error.message, /'cursor' must be the next_cursor/);
  }
  const first = await api.json<{ next_cursor: string }>('/api/logs?from=7d&limit=2');
  const next = await api.json<{ data: unknown[] }>(
    `/api/logs?from=7d&limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
  );
  assert.equal(next.status, 200);
  assert.equal(next.body.data.length, 2);
});

test('a regex that would backtrack exponentially is a 400 with its position, before any scan', async () => {
  const res = await api.json<ErrorBody>(`/api/logs?from=7d&query=${encodeURIComponent('message:~(a+)+$')}`);
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'parse_error');
  assert.equal(res.body.error.details?.position, 9);
  assert.match(res.body.error.message, /repeated group/);
  const ok = await api.json(`/api/logs?from=7d&query=${encodeURIComponent('message:~^(?:GET|POST) /')}`);
  assert.equal(ok.status, 200);
});

test('OTLP with a Content-Type that is not an OTLP encoding is a 415 naming the supported ones', async () => {
  const res = await fetch(`${api.url}/v1/logs`, {
    method: 'POST',
    body: '{"resourceLogs":[]}',
    headers: { ...api.headers, 'content-type': 'text/plain' },
  });
  assert.equal(res.status, 415);
  const body = (await res.json()) as ErrorBody;
  assert.match(body.error.message, /application\/x-protobuf or application\/json/);
  assert.deepEqual(body.error.details?.supported, ['application/x-protobuf', 'application/json']);
  for (const type of ['application/json; charset=utf-8', 'application/x-protobuf']) {
    const ok = await fetch(`${api.url}/v1/logs`, {
      method: 'POST',
      body: type.includes('json') ? '{"resourceLogs":[]}' : Buffer.alloc(0),
      headers: { ...api.headers, 'content-type': type },
    });
    assert.equal(ok.status, 200, type);
  }
});
