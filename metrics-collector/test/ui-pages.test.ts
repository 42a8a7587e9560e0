// The metrics web UI over real HTTP: sign-in gate, pages rendered from the real Prometheus API (a scraped
// target, a firing alert), hostile label values escaped, dashboards created/edited/exported/imported/deleted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { escapeHtml } from '@flowrent/shared/ui';
import {
  HOSTILE,
  HOSTILE_SUMMARY,
  pushRequests,
  signInHttp,
  startUiCollector,
  type UiCollector,
} from './ui-helpers.js';

let c: UiCollector;
let cookie: string;
let csrf: string;

before(async () => {
  c = await startUiCollector();
  await pushRequests(c);
  await c.scrapeAndEvaluate();
  ({ cookie, csrf } = await signInHttp(c));
});
after(() => c?.close());

const get = (path: string) =>
  fetch(`${c.url}${path}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
const post = (path: string, fields: Record<string, string>, token = csrf, accept = '*/*') =>
  fetch(`${c.url}${path}`, {
    method: 'POST',
    headers: { cookie, accept, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
    redirect: 'manual',
  });

test('every page sends a signed-out browser to the sign-in page', async () => {
  for (const path of ['/', '/dashboards', '/targets', '/rules', '/alerts', '/dashboards/1']) {
    const res = await fetch(`${c.url}${path}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(res.status, 303, path);
    assert.match(res.headers.get('location') ?? '', /^\/login\?next=/);
  }
});

test('explore renders the query from the URL into the form, escaped, with the strict CSP', async () => {
  const query = `up{job="</textarea><script>alert(1)</script>"}`;
  const res = await get(`/?query=${encodeURIComponent(query)}&range=6h&tab=table`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const page = await res.text();
  assert.ok(page.includes(`>${escapeHtml(query)}</textarea>`));
  assert.doesNotMatch(page, /<script>alert/);
  assert.match(page, /<script src="\/assets\/explorer.js" defer><\/script>/);
  assert.match(page, /<a class="btn btn-small is-active" href="[^"]*range&#61;6h/);
  assert.match(page, /data-tab="table"/);
});

test('the targets page shows the scraped target as up, and hostile label values as text', async () => {
  const page = await (await get('/targets')).text();
  assert.match(page, /<h2>demo<\/h2>/);
  assert.match(page, /<span class="badge badge-ok">up<\/span>/);
  assert.match(page, /1\/1 up/);
  assert.doesNotMatch(page, /<img src=x/);
});

test('rules and alerts pages show the firing alert with its hostile annotation escaped', async () => {
  const rules = await (await get('/rules')).text();
  assert.match(rules, /QueueStuck/);
  assert.match(rules, /queue:demo_jobs:sum/);
  assert.match(rules, /<span class="badge level-error">firing<\/span>/);
  const alerts = await (await get('/alerts')).text();
  assert.match(alerts, /1 firing/);
  assert.ok(alerts.includes(escapeHtml(HOSTILE)), 'hostile label shown as text');
  assert.ok(!alerts.includes(HOSTILE_SUMMARY));
  assert.doesNotMatch(alerts, /<img src=x|<script>alert/);
});

test('a dashboard is created, edited through the form, exported, re-imported and deleted', async () => {
  const created = await post('/dashboards', { title: `Checkout ${HOSTILE}` });
  assert.equal(created.status, 303);
  const edit = created.headers.get('location') ?? '';
  const id = Number(/^\/dashboards\/(\d+)\/edit$/.exec(edit)?.[1]);
  assert.ok(id > 0);

  const added = await post(`/dashboards/${id}`, {
    title: 'Checkout',
    range: '6h',
    refresh: '30s',
    action: 'add',
  });
  assert.equal(added.headers.get('location'), `/dashboards/${id}/edit`);
  const saved = await post(`/dashboards/${id}`, {
    title: 'Checkout',
    range: '6h',
    refresh: '30s',
    'panels.0.title': 'Requests',
    'panels.0.expr': 'sum by (service) (rate(http_requests_total[5m]))',
    'panels.0.kind': 'graph',
    'panels.0.width': '12',
    'panels.0.stacked': '1',
    action: 'save',
  });
  assert.equal(saved.headers.get('location'), `/dashboards/${id}`);

  const view = await (await get(`/dashboards/${id}`)).text();
  assert.match(view, /<h1>Checkout<\/h1>/);
  assert.match(
    view,
    /class="card panel span-12" data-panel="0" data-expr="sum by \(service\) \(rate\(http_requests_total\[5m\]\)\)" data-kind="graph" data-stacked="1"/,
  );
  assert.match(view, /data-refresh="30s"/);

  const exported = await get(`/dashboards/${id}/export`);
  assert.match(exported.headers.get('content-disposition') ?? '', /attachment; filename="Checkout.json"/);
  const json = await exported.json();
  assert.deepEqual(json, {
    flowrent_dashboard: 1,
    title: 'Checkout',
    description: '',
    range: '6h',
    refresh: '30s',
    panels: [
      {
        title: 'Requests',
        expr: 'sum by (service) (rate(http_requests_total[5m]))',
        kind: 'graph',
        stacked: true,
        width: 12,
      },
    ],
  });

  const imported = await post('/dashboards/import', { json: JSON.stringify({ ...json, title: 'Copy' }) });
  assert.equal(imported.status, 303);
  const copyId = Number(/^\/dashboards\/(\d+)$/.exec(imported.headers.get('location') ?? '')?.[1]);
  assert.notEqual(copyId, id);
  const list = await (await get('/dashboards')).text();
  assert.match(list, /Checkout<\/a>/);
  assert.match(list, /Copy<\/a>/);

  assert.equal((await post(`/dashboards/${copyId}/delete`, {})).headers.get('location'), '/dashboards');
  assert.equal((await get(`/dashboards/${copyId}`)).status, 404);
});

test('dashboard forms refuse a missing CSRF token and re-render bad input with the reason', async () => {
  assert.equal((await post('/dashboards', { title: 'x' }, 'forged')).status, 403);
  const bad = await post(
    '/dashboards/import',
    { json: '{"title": "x", "panels": [{"expr": "up", "width": 40}]}' },
    csrf,
    'text/html',
  );
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /Import failed: panels\[0\]\.width: must be an integer from 1 to 12/);
  const notJson = await post('/dashboards/import', { json: '<script>' }, csrf, 'text/html');
  assert.equal(notJson.status, 422);
  assert.doesNotMatch(await notJson.text(), /<script>[^<]/);
  assert.equal((await get('/dashboards/999999')).status, 404);
  assert.equal((await get('/dashboards/abc/edit')).status, 404);
});

test('an imported dashboard needs a range a panel can query and panel queries that parse: a 422 naming the field (and the position in a query), nothing stored', async () => {
  const count = async () =>
    ((await (await get('/dashboards')).text()).match(/href="\/dashboards\/\d+"/g) ?? []).length;
  const before = await count();
  const cases: [dashboard: unknown, path: string, message: RegExp, position?: unknown][] = [
    [
      { title: 'x', range: '999999999999d', panels: [{ expr: 'up' }] },
      'range',
      /range: must be at most 100y/,
    ],
    [
      { title: 'x', panels: [{ expr: 'up' }, { expr: 'sum(' }] },
      'panels[1].expr',
      /panels\[1\]\.expr: 1:5: parse error: /,
      { offset: 4, line: 1, column: 5 },
    ],
    [
      { title: 'x', panels: [{ expr: 'up +\n  rate(x[5m]' }] },
      'panels[0].expr',
      /parse error/,
      { offset: 17, line: 2, column: 13 },
    ],
    [
      { title: 'x', panels: [{ expr: '' }] },
      'panels[0].expr',
      /no expression found in input/,
      { offset: 0, line: 1, column: 1 },
    ],
  ];
  for (const [dashboard, path, message, position] of cases) {
    const json = JSON.stringify(dashboard);
    const res = await post('/dashboards/import', { json });
    assert.equal(res.status, 422, json);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: Record<string, unknown> };
    };
    assert.equal(body.error.code, 'validation_error');
    assert.match(body.error.message, message);
    assert.equal(body.error.details.path, path);
    assert.deepEqual(body.error.details.position, position);
    const page = await post('/dashboards/import', { json }, csrf, 'text/html');
    assert.equal(page.status, 422);
    assert.match(await page.text(), /Import failed: /);
  }
  assert.equal(await count(), before);
  const good = await post('/dashboards/import', {
    json: JSON.stringify({ title: 'ok', range: '100y', panels: [{ expr: 'up' }] }),
  });
  assert.equal(good.status, 303);
});

test('the session cookie reads the Prometheus API the pages call from the browser', async () => {
  const res = await fetch(`${c.url}/api/v1/label/__name__/values`, { headers: { cookie } });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { data: string[] };
  assert.ok(body.data.includes('http_requests_total'));
  assert.equal((await fetch(`${c.url}/api/v1/labels`)).status, 401);
});

test('/graph (Prometheus UI links) lands in Explore with the expression', async () => {
  const res = await get('/graph?g0.expr=up&g0.tab=0');
  assert.equal(res.status, 303);
  assert.match(res.headers.get('location') ?? '', /^\/\?g0\.expr=up&g0\.tab=0&query=up$/);
});

test('a query from Explore is added as a panel to a new or an existing dashboard', async () => {
  const page = await (await get(`/?query=${encodeURIComponent('rate(x[5m])')}&stacked=1`)).text();
  assert.match(page, /<form method="post" action="\/dashboards\/add-panel"/);
  assert.match(page, /<option value="new">a new dashboard<\/option>/);

  const created = await post('/dashboards/add-panel', {
    dashboard: 'new',
    expr: 'rate(x[5m])',
    kind: 'graph',
    stacked: '1',
  });
  const id = Number(/^\/dashboards\/(\d+)\/edit$/.exec(created.headers.get('location') ?? '')?.[1]);
  assert.ok(id > 0);
  const appended = await post('/dashboards/add-panel', { dashboard: String(id), expr: 'up', kind: 'table' });
  assert.equal(appended.headers.get('location'), `/dashboards/${id}`);
  const json = await (await get(`/dashboards/${id}/export`)).json();
  assert.deepEqual(
    json.panels.map((p: { expr: string; kind: string; stacked: boolean }) => [p.expr, p.kind, p.stacked]),
    [
      ['rate(x[5m])', 'graph', true],
      ['up', 'table', false],
    ],
  );
  assert.equal((await post('/dashboards/add-panel', { dashboard: '999999', expr: 'up' })).status, 404);
});

test('a repeated query parameter takes its first value instead of a 500 (Explore and a dashboard view)', async () => {
  for (const qs of [
    'range=1h&range=2h',
    'step=1&step=2',
    'end=1&end=2',
    'from=1&from=2',
    'query=up&query=x',
  ]) {
    const res = await get(`/?${qs}`);
    assert.equal(res.status, 200, qs);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  }
  const created = await post('/dashboards/add-panel', { dashboard: 'new', expr: 'up' });
  const id = /^\/dashboards\/(\d+)\/edit$/.exec(created.headers.get('location') ?? '')?.[1];
  for (const qs of ['range=1h&range=6h', 'end=1&end=2', 'refresh=5s&refresh=1m'])
    assert.equal((await get(`/dashboards/${id}?${qs}`)).status, 200, qs);
});

test('adding an empty or unparsable query as a panel is refused with a page; a missing dashboard is an HTML 404 for browsers', async () => {
  const created = await post('/dashboards/add-panel', { dashboard: 'new', expr: 'up' });
  const id = /^\/dashboards\/(\d+)\/edit$/.exec(created.headers.get('location') ?? '')?.[1];
  const panels = async () =>
    ((await (await get(`/dashboards/${id}/export`)).json()) as { panels: unknown[] }).panels;
  for (const expr of ['', '   ', 'rate(x[5m]']) {
    const res = await post('/dashboards/add-panel', { dashboard: String(id), expr });
    assert.equal(res.status, 400, JSON.stringify(expr));
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /Could not add the panel: .*parse error/);
  }
  assert.equal((await panels()).length, 1);
  const browser = await fetch(`${c.url}/dashboards/add-panel`, {
    method: 'POST',
    headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, dashboard: '99999', expr: 'up' }).toString(),
    redirect: 'manual',
  });
  assert.equal(browser.status, 404);
  assert.match(browser.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await browser.text(), /no such dashboard/);
  const view = await get('/dashboards/99999');
  assert.equal(view.status, 404);
  assert.match(view.headers.get('content-type') ?? '', /text\/html/);
});
