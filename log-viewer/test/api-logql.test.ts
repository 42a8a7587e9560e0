// LogQL pipelines pasted from Grafana over real HTTP: parser stages are no-ops, label filters after
// them filter fields, and a stage that cannot run is a 400 with its position (it was a 200 with 0 lines).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, NOW_MS, startApi } from './api-helpers.js';

let api: Api;
before(async () => {
  api = await startApi();
  const at = new Date(NOW_MS - 60_000).toISOString();
  const lines = [
    { timestamp: at, service: 'web2', level: 'error', msg: 'boom one', status: 500 },
    { timestamp: at, service: 'web2', level: 'info', msg: 'fine two', status: 200 },
    { timestamp: at, service: 'web2', level: 'error', msg: 'boom three health', status: 503 },
    { timestamp: at, service: 'other', level: 'error', msg: 'boom elsewhere', status: 500 },
  ];
  const res = await fetch(`${api.url}/api/logs`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/x-ndjson' },
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
  });
  assert.equal(res.status, 200, await res.text());
});
after(() => api.close());

async function messages(query: string): Promise<string[]> {
  const res = await api.json<{ data: Array<{ message: string }> }>(
    `/api/logs?from=1h&query=${encodeURIComponent(query)}`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.map((r) => r.message).sort();
}

test('LogQL parser stages match as the selector alone; label and line filters after them apply', async () => {
  const web2 = ['boom one', 'boom three health', 'fine two'];
  assert.deepEqual(await messages('{service_name="web2"}'), web2);
  assert.deepEqual(await messages('{service_name="web2"} | json'), web2);
  assert.deepEqual(await messages('{service_name="web2"} | logfmt'), web2);
  assert.deepEqual(await messages('{service_name="web2"} | json | level="error"'), [
    'boom one',
    'boom three health',
  ]);
  assert.deepEqual(await messages('{service_name="web2"} | json | status >= 501'), ['boom three health']);
  assert.deepEqual(await messages('{service_name="web2"} | json |= "boom" != "health"'), ['boom one']);
  assert.deepEqual(await messages('{service_name="web2"} | json | level="info" or status=500'), [
    'boom one',
    'fine two',
  ]);
});

test('a LogQL stage that cannot run is a 400 naming it with its position', async () => {
  const query = '{service_name="web2"} | json | line_format "{{.msg}}"';
  const res = await api.json<{ error: { message: string; details: { position: number } } }>(
    `/api/logs?from=1h&query=${encodeURIComponent(query)}`,
  );
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /LogQL stage 'line_format' is not supported/);
  assert.equal(res.body.error.details.position, query.indexOf('line_format'));
});
