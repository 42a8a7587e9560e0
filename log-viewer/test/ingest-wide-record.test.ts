// One NDJSON line with thousands of distinct keys (15,000 keys, 184 KB, under MAX_LINE_BYTES): its
// attributes are kept as one JSON text, so the process-wide shape registries stay bounded (the shape
// trie copied the key path per node: GBs, the ingest worker died, then the main thread OOMed, and the
// body replayed from the inbox OOMed every start).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { shapeRegistrySizes } from '../src/store/attr-columns.js';
import { type Api, startApi } from './api-helpers.js';

/** The tester's line: `{'service':'m','msg':'x',**{f'j{i}':1 for i in range(15000)}}`. */
function wideLine(prefix = 'j'): string {
  const record: Record<string, unknown> = { service: 'm', msg: 'x' };
  for (let i = 0; i < 15_000; i++) record[`${prefix}${i}`] = 1;
  return JSON.stringify(record);
}

async function post(api: Api, body: string): Promise<void> {
  const res = await fetch(`${api.url}/api/logs`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/x-ndjson' },
    body,
  });
  assert.equal(res.status, 200, await res.text());
}

async function wideRecords(api: Api): Promise<Array<{ attributes: Record<string, unknown> }>> {
  const res = await api.json<{ data: Array<{ attributes: Record<string, unknown> }> }>(
    '/api/logs?query=service:m&from=1h&limit=10',
  );
  assert.equal(res.status, 200);
  return res.body.data;
}

for (const sealWorker of [false, true]) {
  test(`a 15,000-key line posted 3 times is stored whole with bounded shape registries (sealWorker ${sealWorker})`, async () => {
    const api = await startApi({}, { store: { sealWorker, warmUpWorkers: false } });
    try {
      const before = shapeRegistrySizes();
      const line = wideLine();
      assert.ok(line.length > 150_000 && line.length < 256 * 1024);
      for (let i = 0; i < 3; i++) await post(api, line);
      await post(api, wideLine('k'));
      const after = shapeRegistrySizes();
      // Wide objects register no key and no trie node (main-thread registries; the workers run the
      // same code). A few come from the app's own small records.
      assert.ok(after.keys - before.keys < 16, `${JSON.stringify({ before, after })}`);
      assert.ok(after.nodes - before.nodes < 16, `${JSON.stringify({ before, after })}`);
      assert.ok(after.keySlots - before.keySlots < 16, `${JSON.stringify({ before, after })}`);
      const records = await wideRecords(api);
      assert.equal(records.length, 4);
      for (const r of records) assert.equal(Object.keys(r.attributes).length, 15_000);
      assert.ok(records.some((r) => r.attributes.j14999 === 1));
      assert.ok(records.some((r) => r.attributes.k14999 === 1));
      const ready = await fetch(`${api.url}/readyz`);
      assert.equal(ready.status, 200);
    } finally {
      await api.close();
    }
  });
}

test('a 15,000-key line left in the inbox replays at start: the app reaches /readyz and the record is there', async () => {
  const first = await startApi({}, { store: { sealWorker: false } });
  await post(first, wideLine());
  // The process dies before sealing: the body stays in the inbox.
  await first.app.close();
  await first.store.close({ seal: false });
  closeDatabase(first.db);

  const api = await startApi({}, { dataDir: first.dataDir, store: { sealWorker: false } });
  try {
    const ready = await fetch(`${api.url}/readyz`);
    assert.equal(ready.status, 200);
    const records = await wideRecords(api);
    assert.equal(records.length, 1);
    assert.equal(records[0].attributes.j14999, 1);
  } finally {
    await api.close();
  }
});
