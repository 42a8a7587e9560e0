// The write endpoints of the read side refuse what they used to misread (black-box #10 a-c): a body
// that is not JSON (curl's default form type read as "no query"), a PUT without `query` (it emptied
// the saved search's query), ids that Number() reads (`1e0` was saved search 1), an unknown context
// scope (read as `stream`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, startApi } from './api-helpers.js';

let api: Api;
before(async () => {
  api = await startApi();
});
after(() => api.close());

async function send(method: string, path: string, body: string, contentType = 'application/json') {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...api.headers, 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { message?: string }; data?: unknown } };
}

const check = (r: { status: number; body: unknown }, status: number, text: string) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(JSON.stringify(r.body), new RegExp(text));
};

test('a form-encoded body is a 415 naming application/json', async () => {
  const form = 'application/x-www-form-urlencoded';
  check(await send('POST', '/api/logs/delete', '{"query":"x"}', form), 415, 'application/json');
  check(await send('POST', '/api/saved-searches', '{"name":"n","query":"x"}', form), 415, 'application/json');
  check(await send('POST', '/api/logs/delete', '{"query":"x"}'), 200, '"dry_run":true');
});

test('PUT replaces the whole saved search: without query it is a 422, and nothing changes', async () => {
  const created = await send(
    'POST',
    '/api/saved-searches',
    '{"name":"errs","query":"level:error","from":"1h"}',
  );
  assert.equal(created.status, 201);
  const id = (created.body.data as { id: number }).id;
  check(await send('PUT', `/api/saved-searches/${id}`, '{"name":"errs2"}'), 422, "'query' is required");
  const kept = await api.json<{ data: { name: string; query: string; from: string } }>(
    `/api/saved-searches/${id}`,
  );
  assert.deepEqual(
    [kept.body.data.name, kept.body.data.query, kept.body.data.from],
    ['errs', 'level:error', '1h'],
  );
  check(
    await send('PUT', `/api/saved-searches/${id}`, '{"name":"errs2","query":"level:error"}'),
    200,
    'errs2',
  );
});

test('saved search ids are digits only; an unknown context scope is a 422', async () => {
  const created = await send('POST', '/api/saved-searches', '{"name":"one","query":"*"}');
  const id = (created.body.data as { id: number }).id;
  assert.equal((await api.json(`/api/saved-searches/${id}`)).status, 200);
  for (const odd of [`${id}e0`, `0${id}`, `0x${id}`, `${id}.0`, '%20' + id])
    assert.equal((await api.json(`/api/saved-searches/${odd}`)).status, 404, odd);
  const r = await api.json('/api/logs/context?time_ns=1&seq=0&scope=foo');
  check(r, 422, 'scope');
});
