// Real headless Chromium against the log explorer: sign in, search, filter by a clicked field
// value, expand a line, show context, live tail; hostile log content must stay inert throughout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saveScreenshot, signIn, watchForScriptExecution } from '@flowrent/shared/ui/browser';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import type { LogRecord } from '../src/model.js';
import { logRecord } from './api-helpers.js';
import { rowCount, useBrowserApi } from './browser-helpers.js';

const HOSTILE = `<script>window.__xss='script'</script><img src=x onerror="window.__xss='img'"> javascript:alert(1)`;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function dataset(): LogRecord[] {
  const records = Array.from({ length: 60 }, (_, i) =>
    logRecord(i, { attributes: { user: { id: i % 3 }, route: `/api/rentals/${i % 4}` } }),
  );
  records[30] = logRecord(30, {
    message: HOSTILE,
    level: 'error',
    traceId: TRACE,
    attributes: { [HOSTILE]: HOSTILE, user: { id: 0 } },
    labels: { env: HOSTILE },
  });
  return records;
}

describe('log explorer in headless Chromium', () => {
  const ui = useBrowserApi(dataset);

  it('signs in, searches, filters by a clicked value, shows context and tails live, all inert', async () => {
    const page = await ui.chromium.newPage();
    const watch = await watchForScriptExecution(page);
    await signIn(page, ui.api.url, TEST_API_KEY, '/?from=1h');
    await page.waitForSelector('[data-log-list] > .log-row');
    assert.equal(await rowCount(page), 60);
    await page.waitForSelector('.histogram-svg rect.hist-bar');
    assert.equal(await page.textContent('[data-total]'), '60 in range');

    // the hostile line is shown as text
    const hostileRow = page.locator('.log-row', { hasText: "window.__xss='script'" }).first();
    assert.equal(await hostileRow.locator('.log-message').textContent(), HOSTILE);

    // keyboard: j selects the first line, Enter opens its details
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    assert.ok(await page.locator('[data-log-list] > .log-row').first().locator('.log-details').isVisible());

    // search
    await page.fill('input[name="query"]', 'service:payments');
    await Promise.all([
      page.waitForURL(/query=service%3Apayments/),
      page.press('input[name="query"]', 'Enter'),
    ]);
    assert.equal(await rowCount(page), 30);
    const services = await page.locator('[data-log-list] .log-service').allTextContents();
    assert.ok(services.every((s) => s === 'payments'));

    // expand a line and click "+" on its user.id value
    const first = page.locator('[data-log-list] > .log-row').first();
    await first.locator('.log-summary').click();
    const userRow = first.locator('.kv-table tr', { has: page.locator('th', { hasText: /^user\.id$/ }) });
    const userId = (await userRow.locator('.field-value').textContent()) ?? '';
    await Promise.all([page.waitForURL(/user\.id/), userRow.locator('a[data-filter="include"]').click()]);
    assert.equal(await page.inputValue('input[name="query"]'), `service:payments user.id:=${userId}`);
    const expected = dataset().filter(
      (r) => r.service === 'payments' && (r.attributes.user as { id: number }).id === Number(userId),
    );
    assert.equal(await rowCount(page), expected.length);

    // the hostile error line: details, its trace link to the error tracker, context (excluding a
    // value is tested in ui-browser-controls.test.ts)
    await page.goto(`${ui.api.url}/?from=1h&query=${encodeURIComponent('level:error')}`);
    const hostile = page.locator('.log-row', { hasText: "window.__xss='script'" }).first();
    await hostile.locator('.log-summary').click();
    assert.ok(await hostile.locator('.log-details').isVisible());
    assert.equal(
      await hostile.locator('a[data-trace-errors]').getAttribute('href'),
      `http://localhost:5010/events?trace_id=${TRACE}`,
    );
    // context rows are rendered by the browser script from JSON
    await hostile.locator('button[data-context]').click();
    await hostile.locator('.context-list .log-row').first().waitFor();
    assert.ok((await hostile.locator('.context-list .log-row').count()) >= 2);
    assert.equal(await hostile.locator('.context-anchor .log-message').textContent(), HOSTILE);

    // save this search; it shows up in the sidebar
    await page.fill('[data-save-search] input[name="name"]', 'Errors <b>bold</b>');
    await Promise.all([page.waitForEvent('load'), page.click('[data-save-search] button[type="submit"]')]);
    const saved = page.locator('.saved-list a', { hasText: 'Errors <b>bold</b>' });
    assert.equal(await saved.getAttribute('href'), '/?query=level%3Aerror&from=1h');

    // drag across the histogram to zoom the time range
    const chart = page.locator('.histogram-svg');
    await chart.waitFor();
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.78, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 4 });
    await Promise.all([page.waitForURL(/from=2026-11-25T/), page.mouse.up()]);
    const zoomed = new URL(page.url());
    assert.ok(Date.parse(zoomed.searchParams.get('to')!) > Date.parse(zoomed.searchParams.get('from')!));
    assert.equal(zoomed.searchParams.get('query'), 'level:error');
    await page.waitForSelector('[data-log-list] > .log-row');

    // live tail: new lines (one hostile) arrive through SSE and are rendered as text
    await page.goto(`${ui.api.url}/?from=1h&query=${encodeURIComponent('service:tailsvc')}`);
    await page.click('[data-live-toggle]');
    await page.waitForSelector('[data-live-status] .live');
    await page.waitForURL(/live=1/);
    await page.waitForFunction(
      () => !/connecting/.test(document.querySelector('[data-live-status]')?.textContent ?? ''),
    );
    await ui.api.store.append([
      logRecord(100, { service: 'tailsvc', message: `live ${HOSTILE}` }),
      logRecord(101, { service: 'other', message: 'not for this tail' }),
    ]);
    await page.locator('[data-log-list] .log-row', { hasText: 'live <script>' }).waitFor();
    assert.equal(await rowCount(page), 1);

    await watch.assertInert();
    const path = await saveScreenshot(page, 'log-viewer', 'logs-explorer-live');

    // delete by query: count first, then delete exactly those
    await page.click('[data-delete-matching]');
    await page.locator('[data-confirm-delete]', { hasText: 'Delete 1 lines' }).click();
    await page.waitForSelector('[data-deleted="1"]');
    assert.equal(ui.api.store.stats().openRecords + ui.api.store.stats().sealedRecords, 61);
    assert.ok(path.endsWith('.png'));
    await page.goto(`${ui.api.url}/?from=1h`);
    await page.waitForSelector('.histogram-svg rect.hist-bar');
    await page.locator('[data-log-list] > .log-row').nth(1).locator('.log-summary').click();
    await saveScreenshot(page, 'log-viewer', 'logs-explorer');
    await page.click('[data-theme-toggle]');
    await saveScreenshot(page, 'log-viewer', 'logs-explorer-dark');
    await watch.assertInert();
    await page.close();
  });
});
