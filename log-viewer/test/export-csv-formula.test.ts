// CSV export: a cell a spreadsheet would evaluate as a formula gets a leading apostrophe (OWASP's CSV
// injection list: = + - @ TAB CR). `-` was missing, so `-2+3` (or `-1+cmd|' /C calc'!A0`) ran as a
// formula in Excel/LibreOffice; a cell that is only a negative number stays as it is (black-box #17).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { csvCell } from '../src/http/query-export.js';
import { type Api, NOW_MS, startApi } from './api-helpers.js';

let api: Api;
before(async () => {
  api = await startApi();
});
after(() => api.close());

test('csvCell prefixes formula starts, also -, but not a plain negative number', () => {
  assert.equal(csvCell('-2+3'), "'-2+3");
  assert.equal(csvCell("-1+cmd|' /C calc'!A0"), "'-1+cmd|' /C calc'!A0");
  assert.equal(csvCell('-'), "'-");
  assert.equal(csvCell('-12.5'), '-12.5');
  assert.equal(csvCell('-1e3'), '-1e3');
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell('a-b'), 'a-b');
});

test('GET /api/logs/export?format=csv escapes a message starting with -', async () => {
  const ts = new Date(NOW_MS - 60_000).toISOString();
  const body = ['-2+3', '-7'].map((msg) => JSON.stringify({ ts, service: 'csvx', msg })).join('\n');
  const res = await fetch(`${api.url}/api/logs`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/x-ndjson' },
    body: `${body}\n`,
  });
  assert.equal(res.status, 200, await res.text());
  const csv = await api.get('/api/logs/export?from=1h&query=service:csvx&format=csv');
  assert.equal(csv.status, 200);
  const rows = (await csv.text()).trim().split('\r\n').slice(1);
  const messages = rows.map((r) => r.split(',')[4]).sort();
  assert.deepEqual(messages, ["'-2+3", '-7']);
});
