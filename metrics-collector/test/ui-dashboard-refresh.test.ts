// Dashboard auto-refresh in real headless Chromium: a dashboard saved with a refresh interval
// queries again each time the interval passes, with its window slid to the new "now", and one
// opened with an explicit end does not. The page's clock is Playwright's fake clock, so the test
// advances time instead of waiting for it, and waits on the request events themselves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import type { Request } from 'playwright-core';
import { API_KEY, pushRequests, signInHttp, startUiCollector, type UiCollector } from './ui-helpers.js';

let c: UiCollector;
let chromium: LaunchedBrowser;
let id = 0;
const EXPR = 'sum(rate(http_requests_total[5m]))';

before(async () => {
  c = await startUiCollector();
  await pushRequests(c);
  const { cookie, csrf } = await signInHttp(c);
  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${c.url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      redirect: 'manual',
    });
  const created = await post('/dashboards', { title: 'Live' });
  id = Number(/^\/dashboards\/(\d+)\/edit$/.exec(created.headers.get('location') ?? '')?.[1]);
  const saved = await post(`/dashboards/${id}`, {
    title: 'Live',
    range: '1h',
    refresh: '5s', // the shortest the model allows (MIN_REFRESH_MS)
    'panels.0.title': 'Requests',
    'panels.0.expr': EXPR,
    'panels.0.kind': 'graph',
    'panels.0.width': '12',
    action: 'save',
  });
  assert.equal(saved.headers.get('location'), `/dashboards/${id}`);
  chromium = await launchBrowser();
});
after(async () => {
  await chromium?.close();
  await c?.close();
});

const isPanelQuery = (r: Request) =>
  r.url().includes('/api/v1/query_range?') && new URL(r.url()).searchParams.get('query') === EXPR;
const endOf = (r: Request) => Number(new URL(r.url()).searchParams.get('end'));

test('a dashboard with a refresh interval queries again each interval, its window slid to now', async () => {
  const page = await chromium.newPage();
  const start = Date.now();
  await page.clock.install({ time: start });
  const queries: Request[] = [];
  page.on('request', (r) => {
    if (isPanelQuery(r)) queries.push(r);
  });
  const first = page.waitForRequest(isPanelQuery);
  await signIn(page, c.url, API_KEY, `/dashboards/${id}`);
  await first;
  await page.waitForFunction(() =>
    document.querySelector('#dashboard-status')?.textContent?.includes('refreshing every 5s'),
  );
  assert.equal(queries.length, 1, 'one query on load, none before the interval passes');

  for (const n of [2, 3]) {
    const next = page.waitForRequest(isPanelQuery);
    await page.clock.runFor(5000);
    await next;
    assert.equal(queries.length, n);
    assert.equal(endOf(queries[n - 1]) - endOf(queries[n - 2]), 5, 'the window moved by the interval');
  }
  await page.close();
});

test('a dashboard opened with an explicit end does not refresh', async () => {
  const page = await chromium.newPage();
  await page.clock.install({ time: Date.now() });
  const queries: Request[] = [];
  page.on('request', (r) => {
    if (isPanelQuery(r)) queries.push(r);
  });
  const end = Math.floor(Date.now() / 1000) - 600; // epoch seconds, as the page's URLs carry it
  const first = page.waitForRequest(isPanelQuery);
  await signIn(page, c.url, API_KEY, `/dashboards/${id}?end=${end}`);
  await first;
  await page.waitForFunction(() =>
    document.querySelector('#dashboard-status')?.textContent?.startsWith('Updated'),
  );
  await page.clock.runFor(15_000);
  // Any refresh the timers started would have sent its request by the time a later round trip
  // through the page finishes: the panel's fetch is issued synchronously by the interval callback.
  await page.evaluate(() => fetch('/api/v1/status/buildinfo').then((r) => r.status));
  assert.equal(queries.length, 1);
  assert.equal(endOf(queries[0]), end);
  await page.close();
});
