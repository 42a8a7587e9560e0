// Odd input on the read API over real HTTP (real server on loopback, real block store on a temp
// dir): field names that are JavaScript prototype keys, regexes that backtrack polynomially, ...
// Each gets a correct answer or a clear 4xx, never a 500 or a request held for minutes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addFilter } from '../src/ui/filter-query.js';
import { type Api, logRecord, NOW_MS, startApi } from './api-helpers.js';

let api: Api;

before(async () => {
  api = await startApi();
  await api.store.append([
    ...Array.from({ length: 5 }, (_, i) => logRecord(i)),
    logRecord(5, { attributes: { constructor: 'own-key', toString: 'x' } }),
    // Long lines without the 'x' those regexes look for: polynomial backtracking territory.
    ...Array.from({ length: 20 }, (_, i) =>
      logRecord(10 + i, { message: `${'a'.repeat(20_000)} ${i}`, attributes: { path: 'b'.repeat(20_000) } }),
    ),
    logRecord(40, {
      message: 'Upstream TIMEOUT, connection Refused',
      traceId: '0123456789abcdef0123456789abcdef',
    }),
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

test('regexes that backtrack polynomially over 20 KB lines answer (linear-time fallback), also under (?i)', async () => {
  // Without the fallback each of these takes hours on one such line (`.*.*.*x` over 1,000
  // characters alone took > 20 s): the test would hang, not fail on a timing.
  for (const query of [
    'message:~.*.*.*x',
    'message:~(?i).*.*.*X',
    'message:~\\w+\\w+\\w+x',
    'path:~.*.*b.*c',
    '{service="checkout"} |~ ".*.*.*x"',
    'message:~a{20}.*.*x',
  ]) {
    const res = await search(query);
    assert.equal(res.status, 200, query);
    assert.equal(res.body.data.length, 0, query);
  }
});

test('(?i) regexes are case-insensitive on the lowered text; counted repetitions up to {256} are accepted', async () => {
  const cases: [query: string, matches: number][] = [
    ['message:~(?i)timeout.*REFUSED', 1],
    ['message:~(?i)\\Wconnection\\s', 1],
    ['message:~timeout', 0],
    ['trace_id:~^[0-9a-f]{32}$', 1],
    ['trace_id:~^[0-9a-f]{31}$', 0],
    ['message:~^a{17,}', 20],
  ];
  for (const [query, matches] of cases) {
    const res = await search(query);
    assert.equal(res.status, 200, query);
    assert.equal(res.body.data.length, matches, query);
  }
});

test('a regex the linear-time engine cannot run is a 400 naming why, with its position', async () => {
  for (const query of ['message:~.{0,5000}x', 'message:~(ab){50}', '{app="x"} |~ "a{300}"']) {
    const res = await api.json<{ error: { code: string; message: string; details: { position: number } } }>(
      `/api/logs?from=7d&query=${encodeURIComponent(query)}`,
    );
    assert.equal(res.status, 400, query);
    assert.equal(res.body.error.code, 'parse_error');
    assert.match(res.body.error.message, /cannot run in linear time/, query);
  }
  // `(?i)[Z-a]` is a valid /i class (Z to a, plus z and A); lowering it once made it a refused [z-a].
  const ci = await api.json(`/api/logs?from=7d&query=${encodeURIComponent('message:~(?i)[Z-a]')}`);
  assert.equal(ci.status, 200);
});

test("time parameters far outside the store's range are clamped; a step beyond a year is a 422, not a 500", async () => {
  const huge = '9'.repeat(400);
  for (const path of [
    `/api/logs?from=${huge}h`,
    `/api/logs/histogram?from=${huge}h`,
    `/api/logs/histogram?from=${huge}h&query=GET`,
    `/api/fields?from=${huge}d`,
    `/api/logs?from=0&to=${huge}`,
    `/api/logs/histogram?from=0&to=${huge}`,
  ]) {
    const res = await api.json<{ data: unknown }>(path);
    assert.equal(res.status, 200, path);
  }
  const all = await api.json<Page>(`/api/logs?from=${huge}h&limit=1000`);
  assert.equal(all.body.data.length, 27);
  for (const step of [`${huge}d`, '367d']) {
    const res = await api.json<{ error: { details: { param: string } } }>(
      `/api/logs/histogram?from=7d&step=${step}`,
    );
    assert.equal(res.status, 422, step);
    assert.equal(res.body.error.details.param, 'step');
  }
  const year = await api.json(`/api/logs/histogram?from=7d&step=366d`);
  assert.equal(year.status, 200);
});

test('field names in any script or with a slash are fields; numeric equality is not pruned by its spelling', async () => {
  await api.store.append([
    logRecord(50, {
      attributes: { ünï: 'cödé', 名前: '値', 'app.kubernetes.io/name': 'web', 'user-agent': 'curl/8', n: 5 },
    }),
  ]);
  api.store.flush(); // sealed: the block's token filter is what could prune n:=05
  const cases: [query: string, matches: number][] = [
    ['ünï:cödé', 1],
    ['ünï:CÖDÉ', 1],
    ['名前:値', 1],
    ['app.kubernetes.io/name:web', 1],
    ['app.kubernetes.io/name:=web', 1],
    ['user-agent:curl', 1],
    ['n:=5', 1],
    ['n:=05', 1],
    ['n:=5.0', 1],
    ['n:=6', 0],
  ];
  for (const [query, matches] of cases) {
    const res = await search(query);
    assert.equal(res.status, 200, query);
    assert.equal(res.body.data.length, matches, query);
  }
});

test('quoted field names reach keys no bare name spells: spaces, colons, a leading digit', async () => {
  await api.store.append([
    logRecord(60, { attributes: { 'a b': 'sp', 'x:y': 'colon', '10': 'ten', 'q"k': 'quote' } }),
  ]);
  const cases: [query: string, matches: number][] = [
    ['"a b":sp', 1],
    ['"a b":=sp', 1],
    ['"x:y":colon', 1],
    ['"10":ten', 1],
    ['"10":*', 1],
    ['"q\\"k":quote', 1],
    ['-"a b":sp', -1], // every record but that one
    ['"a b"', 0], // still a phrase without an operator after it
  ];
  const total = (await search('*')).body.data.length;
  for (const [query, matches] of cases) {
    const res = await search(query);
    assert.equal(res.status, 200, query);
    assert.equal(res.body.data.length, matches === -1 ? total - 1 : matches, query);
  }
});

test('a delete the store cannot write (read-only, as on a full disk) is a 503 to retry, and the retry deletes every match', async () => {
  const own = await startApi();
  try {
    await own.store.append(Array.from({ length: 40 }, (_, i) => logRecord(i)));
    own.store.flush();
    await own.store.append(Array.from({ length: 10 }, (_, i) => logRecord(100 + i))); // still open
    const del = (dry: boolean) =>
      own.json<{ data: { matched: number; deleted: number } }>('/api/logs/delete', {
        method: 'POST',
        body: JSON.stringify({ query: 'service:checkout', from: '7d', dry_run: dry }),
      });
    own.db.pragma('query_only = ON');
    const refused = await del(false);
    assert.equal(refused.status, 503);
    assert.equal((await del(true)).body.data.matched, 25); // nothing was deleted
    own.db.pragma('query_only = OFF');
    const done = await del(false);
    assert.equal(done.status, 200);
    assert.equal(done.body.data.deleted, 25);
    const left = await own.json<Page>('/api/logs?from=7d&limit=1000');
    assert.equal(left.body.data.length, 25);
    assert.ok(left.body.data.every((r) => !/cart\/\d*[02468] /.test(r.message)));

    // Every row sealed now: the block rewrite itself meets the read-only database.
    own.db.pragma('query_only = ON');
    const rewrite = await own.json('/api/logs/delete', {
      method: 'POST',
      body: JSON.stringify({ query: 'service:payments', from: '7d', dry_run: false }),
    });
    assert.equal(rewrite.status, 503);
    own.db.pragma('query_only = OFF');
    assert.equal((await own.json<Page>('/api/logs?from=7d&limit=1000')).body.data.length, 25);
  } finally {
    await own.close();
  }
});

test('an attribute, stream label or structured metadata named __proto__ is stored and searchable, not dropped', async () => {
  const own = await startApi();
  try {
    const post = (path: string, body: string, type: string) =>
      fetch(`${own.url}${path}`, { method: 'POST', headers: { ...own.headers, 'content-type': type }, body });
    const ndjson = await post(
      '/api/logs',
      '{"msg":"ndjson proto probe","__proto__":{"p":1},"k":2}\n',
      'application/x-ndjson',
    );
    assert.equal(ndjson.status < 300, true, await ndjson.text());
    const ts = `${BigInt(NOW_MS) * 1_000_000n - 1_000_000_000n}`;
    const loki = await post(
      '/loki/api/v1/push',
      `{"streams":[{"stream":{"app":"x","__proto__":"lab"},"values":[["${ts}","loki proto probe",{"__proto__":"meta"}]]}]}`,
      'application/json',
    );
    assert.equal(loki.status, 204, await loki.text());
    const found = await own.json<{
      data: { attributes: Record<string, unknown>; labels: Record<string, string> }[];
    }>(`/api/logs?from=1h&query=${encodeURIComponent('"ndjson proto probe"')}`);
    assert.equal(found.body.data.length, 1);
    assert.deepEqual(
      JSON.parse(JSON.stringify(found.body.data[0].attributes)),
      JSON.parse('{"__proto__":{"p":1},"k":2}'),
    );
    const byField = await own.json<Page>(`/api/logs?from=1h&query=${encodeURIComponent('__proto__.p:=1')}`);
    assert.equal(byField.body.data.length, 1);
    const lokiRec = await own.json<{
      data: { attributes: Record<string, unknown>; labels: Record<string, string> }[];
    }>(`/api/logs?from=1h&query=${encodeURIComponent('"loki proto probe"')}`);
    assert.equal(lokiRec.body.data.length, 1);
    assert.ok(Object.hasOwn(lokiRec.body.data[0].labels, '__proto__'), JSON.stringify(lokiRec.body.data[0]));
    assert.deepEqual(Object.entries(lokiRec.body.data[0].attributes), [['__proto__', 'meta']]);
  } finally {
    await own.close();
  }
});

test("the UI's filter links find the record they were made from, and its exclude links leave it out", async () => {
  const own = await startApi();
  try {
    const line = {
      msg: 'filterlink probe',
      'weird key': 'v',
      ü: 'ß',
      'k:colon': 'v:c',
      nullv: null,
      n: 42,
      t: true,
      arr: [1, 'x'],
      s: 'null',
    };
    const res = await fetch(`${own.url}/api/logs`, {
      method: 'POST',
      headers: { ...own.headers, 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify(line)}\n{"msg":"other line"}\n`,
    });
    assert.ok(res.status < 300, await res.text());
    own.store.flush();
    for (const [field, v] of Object.entries(line)) {
      if (field === 'msg') continue;
      const value = typeof v === 'string' ? v : JSON.stringify(v); // as render-logs.ts shows it
      for (const exclude of [false, true]) {
        const q = addFilter('', field, value, exclude);
        const page = await own.json<Page>(`/api/logs?from=1h&query=${encodeURIComponent(q)}`);
        assert.equal(page.status, 200, q);
        const messages = page.body.data.map((r) => r.message);
        assert.deepEqual(messages, exclude ? ['other line'] : ['filterlink probe'], q);
      }
    }
  } finally {
    await own.close();
  }
});

test('numeric comparisons: a literal past the double range is ±Infinity, NaN is a 400', async () => {
  const own = await startApi();
  try {
    await own.store.append([logRecord(0, { attributes: { order_id: 42 } })]);
    const cases: [query: string, matches: number][] = [
      ['order_id:>1e400', 0],
      ['order_id:<1e400', 1],
      ['order_id:>-1e400', 1],
      ['order_id:<-1e400', 0],
      ['order_id:>=42', 1],
      ['order_id:<42.0', 0],
    ];
    for (const [query, matches] of cases) {
      const res = await own.json<Page>(`/api/logs?from=7d&query=${encodeURIComponent(query)}`);
      assert.equal(res.status, 200, query);
      assert.equal(res.body.data.length, matches, query);
    }
    for (const query of ['order_id:<NaN', 'order_id:>=nan']) {
      const res = await own.json<{ error: { code: string; details: { position: number } } }>(
        `/api/logs?from=7d&query=${encodeURIComponent(query)}`,
      );
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.details.position, query.indexOf(':') + (query.includes('>=') ? 3 : 2));
    }
  } finally {
    await own.close();
  }
});
