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
    // black-box findings 1-3 (7th session): nested keys, Loki's flattened names, `or` of line filters
    {
      timestamp: at,
      service: 'bb',
      level: 'error',
      msg: 'payment failed',
      user: { id: 42, 'home-town': 'Oslo' },
    },
    {
      timestamp: at,
      service: 'bb',
      level: 'error',
      msg: 'Timeout calling bank',
      'http.method': 'GET',
      user_id: 7,
    },
    { timestamp: at, service: 'bb', level: 'info', msg: 'all good' },
    // black-box finding 14: RE2 regexes
    { timestamp: at, service: 'rx', msg: 'order 12345 placed' },
    { timestamp: at, service: 'rx', msg: 'no numbers here' },
    { timestamp: at, service: 'rx', msg: 'weird d] text p' },
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

async function status400(query: string): Promise<{ message: string; position: number }> {
  const res = await api.json<{ error: { message: string; details: { position: number } } }>(
    `/api/logs?from=1h&query=${encodeURIComponent(query)}`,
  );
  assert.equal(res.status, 400, JSON.stringify(res.body));
  return { message: res.body.error.message, position: res.body.error.details.position };
}

const BB = ['Timeout calling bank', 'all good', 'payment failed'];

test('Grafana\'s `| __error__=""` keeps every line (no parse errors here) and `!=""` none', async () => {
  assert.deepEqual(await messages('{service="bb"} | json | __error__=""'), BB);
  assert.deepEqual(await messages('{service="bb"} | json | __error__!=""'), []);
  assert.deepEqual(await messages('{service="bb"} | logfmt | __error__="" | __error_details__=""'), BB);
  assert.deepEqual(await messages('{service="bb"} | json | __error__!~".+" | level="error"'), [
    'Timeout calling bank',
    'payment failed',
  ]);
  assert.deepEqual(await messages('{service="bb"} | json | drop __error__, __error_details__'), BB);
  const bad = await status400('{service="bb"} | json | __error__ > 1');
  assert.match(bad.message, /'__error__' is always empty/);
});

test('`| json` label filters name nested keys as Loki flattens them (user_id, http_method)', async () => {
  assert.deepEqual(await messages('{service="bb"} | json | user_id = 42'), ['payment failed']);
  assert.deepEqual(await messages('{service="bb"} | json | user_id >= 7'), [
    'Timeout calling bank',
    'payment failed',
  ]);
  assert.deepEqual(await messages('{service="bb"} | json | user_id = 7'), ['Timeout calling bank']);
  assert.deepEqual(await messages('{service="bb"} | json | http_method = "GET"'), ['Timeout calling bank']);
  assert.deepEqual(await messages('{service="bb"} | json | user_home_town = "Oslo"'), ['payment failed']);
  assert.deepEqual(await messages('{service="bb"} | json | user_id != 42'), [
    'Timeout calling bank',
    'all good',
  ]);
});

test('LogQL label filters compare an absent label as "", as Loki does; parentheses group label filters', async () => {
  // of the three bb lines only 'payment failed' has user (an object: user_id flattens into it)
  assert.deepEqual(await messages('{service="bb"} | json | user_id!=""'), [
    'Timeout calling bank',
    'payment failed',
  ]);
  assert.deepEqual(await messages('{service="bb"} | json | http_method!=""'), ['Timeout calling bank']);
  assert.deepEqual(await messages('{service="bb"} | json | label_not_exist=""'), BB);
  assert.deepEqual(await messages('{service="bb"} | json | http_method=~"|GET"'), BB);
  assert.deepEqual(await messages('{service="bb"} | json | http_method!~".+"'), [
    'all good',
    'payment failed',
  ]);
  assert.deepEqual(await messages('{service="bb"} | json | nope > 0'), []); // numeric: absent filters out
  assert.deepEqual(await messages('{service="bb", http_method=""}'), ['all good', 'payment failed']);
  assert.deepEqual(await messages('{service="bb"} | json | (user_id > 40)'), ['payment failed']);
  assert.deepEqual(await messages('{service="bb"} | json | (user_id > 40 or level="info")'), [
    'all good',
    'payment failed',
  ]);
  assert.deepEqual(
    await messages('{service="bb"} | json | level="error" and (user_id=7 or http_method="POST")'),
    ['Timeout calling bank'],
  );
  let q = '{service="bb"} | json | (user_id > 40';
  assert.equal((await status400(q)).position, q.length);
  q = '{service="bb"} |= ip("10.0.0.1")';
  const bad = await status400(q);
  assert.match(bad.message, /ip\(\) is not supported/);
  assert.equal(bad.position, q.indexOf('ip('));
});

test('LogQL `or` between line filters: either value; negated: neither; a trailing `or` is a 400', async () => {
  const both = ['Timeout calling bank', 'payment failed'];
  assert.deepEqual(await messages('{service="bb"} |= "Timeout" or "payment"'), both);
  assert.deepEqual(await messages('{service="bb"} |= "payment" or "Timeout"'), both);
  assert.deepEqual(await messages('{service="bb"} |~ "Time.ut" or `pay`'), both);
  assert.deepEqual(await messages('{service="bb"} != "payment" or "Timeout"'), ['all good']);
  assert.deepEqual(await messages('{service="bb"} |= "bank" or "good" != "Timeout"'), ['all good']);
  let q = '{service="bb"} | json | level="error" or';
  let bad = await status400(q);
  assert.match(bad.message, /expected a label name/);
  assert.equal(bad.position, q.length);
  q = '{service="bb"} |= "Timeout" or';
  bad = await status400(q);
  assert.match(bad.message, /expected a quoted string after 'or'/);
  assert.equal(bad.position, q.length);
  q = '{service="bb"} |= "Timeout" or payment';
  bad = await status400(q);
  assert.equal(bad.position, q.indexOf('payment'));
});

test('`| logfmt` label filters read the keys of logfmt lines (level, quoted values, _extracted on a clash)', async () => {
  const ns = String(BigInt(NOW_MS - 30_000) * 1_000_000n);
  const res = await fetch(`${api.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      streams: [
        {
          stream: { app: 'lfmt' },
          values: [
            [ns, 'level=error msg="db down" status=500 user_id=42 app=inner'],
            [ns, 'level=info msg=ok status=200'],
            [ns, 'no pairs in this line'],
          ],
        },
      ],
    }),
  });
  assert.equal(res.status, 204, await res.text());
  const down = ['level=error msg="db down" status=500 user_id=42 app=inner'];
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | status=500'), down);
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | status >= 200'), [
    'level=error msg="db down" status=500 user_id=42 app=inner',
    'level=info msg=ok status=200',
  ]);
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | level="error"'), down);
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | msg="db down"'), down);
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | app_extracted="inner"'), down);
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | status=""'), ['no pairs in this line']);
  // the level filter is not answered from the stored level (info for all three) or its summaries;
  // a line with no level key and none sent has no level label, which is != "info" in Loki
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | level!="info"'), [
    'level=error msg="db down" status=500 user_id=42 app=inner',
    'no pairs in this line',
  ]);
  assert.deepEqual(await messages('{app="lfmt"} | logfmt | level="info"'), ['level=info msg=ok status=200']);
});

test('LogQL regexes are RE2: POSIX classes, \\A \\z, (?P<n>), (?s) as Loki reads them; \\pL is a 400', async () => {
  const order = ['order 12345 placed'];
  assert.deepEqual(await messages('{service="rx"} |~ "[[:digit:]]+"'), order);
  assert.deepEqual(await messages('{service="rx"} |~ "[^[:space:]]+ 12345"'), order);
  assert.deepEqual(await messages('{service="rx"} |~ `\\Aorder`'), order);
  assert.deepEqual(await messages('{service="rx"} |~ `placed\\z`'), order);
  assert.deepEqual(await messages('{service="rx"} |~ `(?P<n>\\d+)`'), order);
  assert.deepEqual(await messages('{service="rx"} |~ "(?s)order.+placed"'), order);
  assert.deepEqual(await messages('{service="rx"} |~ "(?i)ORDER"'), order);
  assert.deepEqual(await messages('{service=~"[[:alpha:]]x"} != "e"'), []);
  assert.deepEqual(await messages('{service=~"[[:alpha:]]x"} |= "d]"'), ['weird d] text p']);
  assert.deepEqual(await messages('{service="rx"} | json | msg=~"[[:alpha:]]+ [[:digit:]]+ .*"'), order);
  const q = '{service="rx"} |~ `\\pL+ \\d`';
  const bad = await status400(q);
  assert.match(bad.message, /Unicode classes/);
  assert.equal(bad.position, q.indexOf('`'));
  assert.match((await status400('{service="rx"} |~ "(?=x)"')).message, /invalid or unsupported Perl syntax/);
});
