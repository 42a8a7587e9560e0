// Delete by query while shippers post: the real server on loopback, ingest workers on, requests in
// flight at the same time as the deletes. Every accepted record that does not match survives, once;
// every matching record acknowledged before a delete started is gone after it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type IngestServer, startIngestServer } from './ingest-helpers.js';

let server: IngestServer;
before(async () => {
  server = await startIngestServer({ sealWorker: true });
});
after(async () => {
  await server.close();
});

const headers = { authorization: `Bearer ${TEST_API_KEY}` };

function body(batch: number): string {
  const now = Date.now();
  let text = '';
  for (let i = 0; i < 400; i++) {
    const n = batch * 1000 + i;
    const service = i % 2 === 0 ? 'checkout' : 'payments';
    text += `${JSON.stringify({ time: new Date(now - 1000 + (i % 50)).toISOString(), level: 'info', service, msg: `order ${n}`, n })}\n`;
  }
  return text;
}

async function post(batch: number): Promise<void> {
  const res = await fetch(`${server.url}/api/logs`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-ndjson' },
    body: body(batch),
  });
  const text = await res.text();
  assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${text}`);
}

async function deleteCheckout(): Promise<number> {
  const res = await fetch(`${server.url}/api/logs/delete`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'service:checkout', from: '1h', dry_run: false }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return (JSON.parse(text) as { data: { deleted: number } }).data.deleted;
}

test('deletes while batches are posted lose no record that does not match and leave no acknowledged match', async () => {
  await post(0);
  await post(1);
  const work: Promise<unknown>[] = [];
  for (let batch = 2; batch < 30; batch++) {
    work.push(post(batch));
    if (batch % 5 === 0) work.push(deleteCheckout());
  }
  await Promise.all(work);
  // Whatever was acknowledged before this delete started and matches is gone after it.
  await deleteCheckout();
  await server.store.sealOpen();
  server.store.flush();
  const all = server.all();
  const payments = all.filter((r) => r.service === 'payments').map((r) => Number(r.attributes.n));
  const expected: number[] = [];
  for (let batch = 0; batch < 30; batch++) for (let i = 1; i < 400; i += 2) expected.push(batch * 1000 + i);
  assert.deepEqual(
    payments.sort((a, b) => a - b),
    expected,
  );
  assert.equal(all.filter((r) => r.service === 'checkout').length, 0);
});
