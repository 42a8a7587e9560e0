// The metrics web UI in real headless Chromium: sign in, run a query, see the chart and the table, use
// autocomplete and see a syntax error at its position, build a dashboard from JSON, zoom by dragging.
// A label value and an annotation hold <script>/<img onerror> payloads; the test fails if any script runs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type LaunchedBrowser,
  launchBrowser,
  saveScreenshot,
  signIn,
  watchForScriptExecution,
} from '@flowrent/shared/ui/browser';
import { API_KEY, HOSTILE, pushRequests, startUiCollector, type UiCollector } from './ui-helpers.js';

let c: UiCollector;
let chromium: LaunchedBrowser;
const QUERY = 'sum by (service) (rate(http_requests_total[5m]))';

before(async () => {
  c = await startUiCollector();
  await pushRequests(c);
  await c.scrapeAndEvaluate();
  chromium = await launchBrowser();
});
after(async () => {
  await chromium?.close();
  await c?.close();
});

test('explore: a query draws a chart whose hostile label stays text, and the table lists it', async () => {
  const page = await chromium.newPage();
  const watch = await watchForScriptExecution(page);
  await signIn(page, c.url, API_KEY, `/?query=${encodeURIComponent(QUERY)}&stacked=1`);
  await page.waitForSelector('.uplot canvas');
  await page.waitForFunction(() =>
    document.querySelector('#explore-status')?.textContent?.includes('3 series'),
  );
  const legend = await page.locator('.u-legend .u-series th').allTextContents();
  assert.equal(legend.length, 4, 'time + three series');
  assert.ok(
    legend.some((l) => l.includes(JSON.stringify(HOSTILE))),
    `hostile label shown literally: ${legend}`,
  );
  assert.equal(await page.locator('.cm-content').textContent(), QUERY);
  assert.ok(
    (await page.locator('.cm-editor .tok-keyword, .cm-editor span').count()) > 3,
    'the query is highlighted',
  );

  // Hovering shows values under the cursor in the legend.
  const box = (await page.locator('.u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
  const values = await page.locator('.u-legend .u-series td.u-value').allTextContents();
  assert.ok(
    values.slice(1).every((v) => /^[\d,.]+$/.test(v)),
    `legend values: ${values.join(' | ')}`,
  );
  // Near a line, a tooltip names that series (uPlot focuses the closest one).
  const tooltip = page.locator('.chart-tooltip');
  for (let y = 2; y < box.height && !(await tooltip.isVisible()); y += 3) {
    await page.mouse.move(box.x + box.width * 0.8, box.y + y);
  }
  assert.match((await tooltip.textContent()) ?? '', /\{service="/);
  await watch.assertInert();
  await saveScreenshot(page, 'metrics-collector', 'ui-explore-graph');

  await Promise.all([page.waitForURL(/tab=table/), page.click('nav.tabs a:has-text("Table")')]);
  await page.waitForSelector('.result-table tbody tr');
  assert.equal(await page.locator('.result-table tbody tr').count(), 3);
  assert.ok((await page.locator('.result-table').textContent())?.includes(HOSTILE));
  // A service label links to that service's logs in the log viewer (LOG_VIEWER_URL).
  const logs = await page
    .locator('.result-table a[title="Logs of this service"]')
    .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  assert.ok(logs.includes('http://localhost:5011/?query=service%3A%22checkout%22'), logs.join(' '));
  assert.ok(logs.every((href) => href.startsWith('http://localhost:5011/?query=')));
  await watch.assertInert();
  await saveScreenshot(page, 'metrics-collector', 'ui-explore-table');
  await page.close();
});

test('explore: autocomplete offers metric names and label values; a syntax error is shown at its position', async () => {
  const page = await chromium.newPage();
  const watch = await watchForScriptExecution(page);
  await signIn(page, c.url, API_KEY, '/');
  await page.waitForSelector('.cm-content');
  await page.keyboard.press('/');
  await page.keyboard.type('http_req');
  const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'http_requests_total' });
  await option.first().waitFor();
  await page.keyboard.press('Escape');
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('demo_jobs_total{queue="');
  // Wait for the label-value list itself (a list of label names may still be showing from `{`).
  await page.locator('.cm-tooltip-autocomplete li', { hasText: '<script>' }).first().waitFor();
  const offered = await page.locator('.cm-tooltip-autocomplete li').allTextContents();
  assert.ok(
    offered.some((o) => o.includes(HOSTILE)),
    `label values offered: ${offered.join(' | ')}`,
  );
  await saveScreenshot(page, 'metrics-collector', 'ui-explore-autocomplete');
  await page.keyboard.press('Escape');

  await page.keyboard.press('Control+a');
  await page.keyboard.type('sum(rate(http_requests_total[5m]) by');
  // The Run button rather than Enter: Enter would first accept a completion the list may be offering.
  await Promise.all([page.waitForURL(/query=sum/), page.click('button:has-text("Run")')]);
  const error = page.locator('#explore-result .alert-error');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /parse error/);
  await page.waitForSelector('.cm-lintRange-error');
  await watch.assertInert();
  await saveScreenshot(page, 'metrics-collector', 'ui-explore-error');
  await page.close();
});

test('dashboards: an imported dashboard shows graph, table and stat panels; dragging zooms; dark theme', async () => {
  const page = await chromium.newPage();
  const watch = await watchForScriptExecution(page);
  await signIn(page, c.url, API_KEY, '/dashboards');
  const dashboard = {
    flowrent_dashboard: 1,
    title: `Checkout ${HOSTILE}`,
    range: '1h',
    panels: [
      { title: 'Requests per second', expr: QUERY, kind: 'graph', stacked: true, width: 8 },
      { title: 'Total', expr: 'sum(rate(http_requests_total[5m]))', kind: 'stat', width: 4 },
      { title: `Queues ${HOSTILE}`, expr: 'demo_jobs_total', kind: 'table', width: 12 },
    ],
  };
  await page.fill('textarea[name="json"]', JSON.stringify(dashboard));
  await Promise.all([page.waitForURL(/\/dashboards\/\d+$/), page.click('button:has-text("Import")')]);
  await page.waitForSelector('[data-panel="0"] .uplot canvas');
  await page.waitForSelector('[data-panel="2"] .result-table');
  await page.waitForFunction(() =>
    /\d/.test(document.querySelector('[data-panel="1"] .panel-stat')?.textContent ?? ''),
  );
  assert.equal(await page.locator('h1').textContent(), dashboard.title);
  assert.ok((await page.locator('[data-panel="2"] .result-table').textContent())?.includes(HOSTILE));
  await watch.assertInert();
  await saveScreenshot(page, 'metrics-collector', 'ui-dashboard-light');

  await page.click('[data-theme-toggle]');
  await page.waitForSelector('[data-panel="0"] .uplot canvas');
  await saveScreenshot(page, 'metrics-collector', 'ui-dashboard-dark');

  const box = (await page.locator('[data-panel="0"] .u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75, box.y + 20, { steps: 5 });
  await Promise.all([page.waitForURL(/range=\d+s&end=/), page.mouse.up()]);
  const range = Number(/range=(\d+)s/.exec(page.url())?.[1]);
  assert.ok(range > 600 && range < 1200, `zoomed to about a quarter of an hour: ${range}s`);
  await page.waitForSelector('[data-panel="0"] .uplot canvas');

  // Edit: move the first panel down; the form stays open with the new order.
  await Promise.all([page.waitForURL(/\/edit$/), page.click('a:has-text("Edit")')]);
  await Promise.all([page.waitForEvent('load'), page.click('button[aria-label="Move panel 1 down"]')]);
  assert.equal(await page.inputValue('textarea[name="panels.0.expr"]'), 'sum(rate(http_requests_total[5m]))');
  assert.equal(await page.inputValue('textarea[name="panels.1.expr"]'), QUERY);
  await watch.assertInert();
  await saveScreenshot(page, 'metrics-collector', 'ui-dashboard-edit');
  await page.close();
});

test('targets, rules and alerts pages render hostile labels and annotations inertly', async () => {
  const page = await chromium.newPage();
  const watch = await watchForScriptExecution(page);
  await signIn(page, c.url, API_KEY, '/targets');
  assert.equal(await page.locator('td .badge-ok', { hasText: /^up$/ }).count(), 1);
  await page.goto(`${c.url}/alerts`);
  assert.ok((await page.locator('table.data').textContent())?.includes(HOSTILE));
  await saveScreenshot(page, 'metrics-collector', 'ui-alerts');
  await page.goto(`${c.url}/rules`);
  await page.waitForSelector('.rule');
  await saveScreenshot(page, 'metrics-collector', 'ui-rules');
  await watch.assertInert();
  await page.close();
});
