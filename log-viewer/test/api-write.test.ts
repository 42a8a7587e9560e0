import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, logRecord, startApi } from './api-helpers.js';

interface Saved {
  id: number;
  name: string;
  query: string;
  from: string;
  to: string;
}

describe('delete by query and saved searches over real HTTP', () => {
  let api: Api;
  before(async () => {
    api = await startApi({ INGEST_API_KEY: 'write-only-ingest-key' });
    await api.store.append(
      Array.from({ length: 40 }, (_, i) =>
        logRecord(i, i % 4 === 0 ? { message: `secret token=abc${i}` } : {}),
      ),
    );
  });
  after(() => api.close());

  it('POST /api/logs/delete counts first (dry run by default), then deletes', async () => {
    const body = JSON.stringify({ query: 'secret', from: '1h' });
    const dry = await api.json<{ data: { matched: number; deleted: number; dry_run: boolean } }>(
      '/api/logs/delete',
      {
        method: 'POST',
        body,
      },
    );
    assert.deepEqual(dry.body.data, { matched: 10, deleted: 0, dry_run: true });
    const still = await api.json<{ data: unknown[] }>('/api/logs?from=1h&query=secret');
    assert.equal(still.body.data.length, 10);

    const real = await api.json<{ data: { matched: number; deleted: number } }>('/api/logs/delete', {
      method: 'POST',
      body: JSON.stringify({ query: 'secret', from: '1h', dry_run: false }),
    });
    assert.equal(real.body.data.deleted, 10);
    const gone = await api.json<{ data: unknown[] }>('/api/logs?from=1h&query=secret');
    assert.equal(gone.body.data.length, 0);
    const rest = await api.json<{ data: unknown[] }>('/api/logs?from=1h&limit=1000');
    assert.equal(rest.body.data.length, 30);
  });

  it('POST /api/logs/delete refuses an empty query and a bad one', async () => {
    const empty = await api.json('/api/logs/delete', { method: 'POST', body: JSON.stringify({ query: '' }) });
    assert.equal(empty.status, 422);
    const bad = await api.json('/api/logs/delete', { method: 'POST', body: JSON.stringify({ query: '(' }) });
    assert.equal(bad.status, 400);
    const noKey = await fetch(`${api.url}/api/logs/delete`, { method: 'POST', body: '{"query":"*"}' });
    assert.equal(noKey.status, 401);
  });

  it('the write-only ingest key can neither read nor delete', async () => {
    const headers = { authorization: 'Bearer write-only-ingest-key', 'content-type': 'application/json' };
    for (const [method, path] of [
      ['GET', '/api/logs'],
      ['GET', '/api/logs/tail'],
      ['GET', '/api/logs/export'],
      ['GET', '/api/fields'],
      ['GET', '/api/saved-searches'],
      ['POST', '/api/logs/delete'],
    ]) {
      const res = await fetch(api.url + path, {
        method,
        headers,
        body: method === 'POST' ? '{"query":"*"}' : undefined,
      });
      assert.equal(res.status, 401, `${method} ${path}`);
      await res.body?.cancel();
    }
  });

  it('saved searches: create, list, get, update, delete', async () => {
    const created = await api.json<{ data: Saved }>('/api/saved-searches', {
      method: 'POST',
      body: JSON.stringify({ name: 'Checkout errors', query: 'service:checkout level>=error', from: '24h' }),
    });
    assert.equal(created.status, 201);
    const id = created.body.data.id;
    assert.deepEqual(
      { ...created.body.data, id: 0 },
      {
        ...created.body.data,
        id: 0,
        name: 'Checkout errors',
        query: 'service:checkout level>=error',
        from: '24h',
        to: '',
      },
    );
    const list = await api.json<{ data: Saved[] }>('/api/saved-searches');
    assert.deepEqual(
      list.body.data.map((s) => s.name),
      ['Checkout errors'],
    );
    const updated = await api.json<{ data: Saved }>(`/api/saved-searches/${id}`, {
      method: 'PUT',
      body: JSON.stringify({ name: 'Checkout warnings', query: 'service:checkout level>=warn' }),
    });
    assert.equal(updated.body.data.query, 'service:checkout level>=warn');
    const got = await api.json<{ data: Saved }>(`/api/saved-searches/${id}`);
    assert.equal(got.body.data.name, 'Checkout warnings');
    const del = await fetch(`${api.url}/api/saved-searches/${id}`, {
      method: 'DELETE',
      headers: api.headers,
    });
    assert.equal(del.status, 204);
    const missing = await api.json(`/api/saved-searches/${id}`);
    assert.equal(missing.status, 404);
  });

  it('saved searches: duplicate name 409, bad query 400 with position, no name 422', async () => {
    const make = (body: object) =>
      api.json<{ error: { details?: { position?: number } } }>('/api/saved-searches', {
        method: 'POST',
        body: JSON.stringify(body),
      });
    assert.equal((await make({ name: 'a', query: 'x' })).status, 201);
    assert.equal((await make({ name: 'a', query: 'y' })).status, 409);
    const bad = await make({ name: 'b', query: 'level>=loud' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details?.position, 7);
    assert.equal((await make({ query: 'x' })).status, 422);
    assert.equal((await make({ name: 'c', query: 'x', from: 'last tuesday' })).status, 400);
  });

  it('saved searches: a range whose from is not before its to is a 400 naming the field, on create and update', async () => {
    const send = (method: string, path: string, body: object) =>
      api.json<{ error: { message: string; details?: { field?: string } } }>(path, {
        method,
        body: JSON.stringify(body),
      });
    for (const range of [
      { from: 'now', to: '1h' },
      { from: '1h', to: '2h' },
      { from: '2026-11-26T10:00:00Z', to: '2026-11-26T09:00:00Z' },
      { from: 'now', to: 'now' },
    ]) {
      const res = await send('POST', '/api/saved-searches', {
        name: `r ${range.from} ${range.to}`,
        query: 'x',
        ...range,
      });
      assert.equal(res.status, 400, JSON.stringify(range));
      assert.equal(res.body.error.details?.field, 'from');
      assert.match(res.body.error.message, /'from' .* must be before 'to'/);
    }
    const ok = await send('POST', '/api/saved-searches', {
      name: 'range ok',
      query: 'x',
      from: '2h',
      to: '1h',
    });
    assert.equal(ok.status, 201);
    const id = (ok.body as unknown as { data: { id: number } }).data.id;
    const bad = await send('PUT', `/api/saved-searches/${id}`, {
      name: 'range ok',
      query: 'x',
      from: 'now',
      to: '1h',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details?.field, 'from');
    const list = await api.json<{ data: Array<{ name: string; from: string; to: string }> }>(
      '/api/saved-searches',
    );
    const kept = list.body.data.find((s) => s.name === 'range ok');
    assert.deepEqual([kept?.from, kept?.to], ['2h', '1h']);
    assert.ok(!list.body.data.some((s) => s.name.startsWith('r ')));
  });
});
