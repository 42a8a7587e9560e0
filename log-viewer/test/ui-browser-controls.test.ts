// Real headless Chromium against the log explorer's controls: excluding a field value (from a
// line's details and from the field sidebar), the query history, the syntax help, and the time
// range picker's quick ranges and absolute from/to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signIn } from '@flowrent/shared/ui/browser';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import type { Page } from 'playwright-core';
import type { LogRecord } from '../src/model.js';
import { logRecord, NOW_MS } from './api-helpers.js';
import { rowCount, useBrowserApi } from './browser-helpers.js';

const MINUTE_NS = 60_000_000_000n;
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;

/** 40 lines within the last 15 minutes, plus one 30 min, one 3 h and one 2 days old. */
function dataset(): LogRecord[] {
  const records = Array.from({ length: 40 }, (_, i) => logRecord(i));
  const at = (i: number, ageNs: bigint, message: string) =>
    logRecord(i, { timeNs: NOW_NS - ageNs, observedNs: NOW_NS - ageNs, message, service: 'aged' });
  records.push(at(100, 30n * MINUTE_NS, 'half an hour old'));
  records.push(at(101, 180n * MINUTE_NS, 'three hours old'));
  records.push(at(102, 2n * 1440n * MINUTE_NS, 'two days old'));
  return records;
}

async function submitQuery(page: Page, query: string): Promise<void> {
  await page.fill('input[name="query"]', query);
  await Promise.all([page.waitForEvent('load'), page.press('input[name="query"]', 'Enter')]);
  await page.waitForSelector('[data-log-list]');
}

describe('log explorer controls in headless Chromium', () => {
  const ui = useBrowserApi(dataset);

  it("excludes a field value from a line's details and from the field sidebar", async () => {
    const page = await ui.chromium.newPage();
    await signIn(page, ui.api.url, TEST_API_KEY, '/?from=15m');
    await page.waitForSelector('[data-log-list] > .log-row');
    assert.equal(await rowCount(page), 40);

    // a line's details: "−" on its service value
    const first = page.locator('[data-log-list] > .log-row').first();
    await first.locator('.log-summary').click();
    const serviceRow = first.locator('.kv-table tr', { has: page.locator('th', { hasText: /^service$/ }) });
    const service = (await serviceRow.locator('.field-value').textContent()) ?? '';
    assert.ok(service === 'checkout' || service === 'payments', service);
    await Promise.all([page.waitForEvent('load'), serviceRow.locator('a[data-filter="exclude"]').click()]);
    assert.equal(await page.inputValue('input[name="query"]'), `-service:${service}`);
    await page.waitForSelector('[data-log-list] > .log-row');
    assert.equal(await rowCount(page), 20);
    const services = await page.locator('[data-log-list] .log-service').allTextContents();
    assert.ok(services.length === 20 && services.every((s) => s !== service), services.join());

    // the field sidebar: open user.id, exclude its top value on top of the current query
    const field = page.locator('.fields-card details.field', {
      has: page.locator('summary', { hasText: /^user\.id / }),
    });
    await field.locator('summary').click();
    const top = field.locator('.field-values li').first();
    const value = (await top.locator('.field-value').textContent()) ?? '';
    await Promise.all([page.waitForEvent('load'), top.locator('a[data-filter="exclude"]').click()]);
    assert.equal(await page.inputValue('input[name="query"]'), `-service:${service} -user.id:=${value}`);
    const expected = dataset().filter(
      (r) =>
        r.service !== 'aged' &&
        r.service !== service &&
        String((r.attributes.user as { id: number }).id) !== value,
    );
    await page.waitForSelector('[data-log-list] > .log-row');
    assert.equal(await rowCount(page), expected.length);
    await page.close();
  });

  it('remembers submitted queries, newest first and without repeats, and offers them in the query box', async () => {
    const page = await ui.chromium.newPage();
    await signIn(page, ui.api.url, TEST_API_KEY, '/?from=15m');
    await page.waitForSelector('[data-log-list]');
    assert.equal(await page.locator('#query-history option').count(), 0);
    await submitQuery(page, 'service:payments');
    await submitQuery(page, 'level:error');
    await submitQuery(page, 'service:payments');
    await submitQuery(page, '   ');
    await page.reload();
    await page.waitForSelector('[data-log-list]');
    const offered = await page
      .locator('#query-history option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(offered, ['service:payments', 'level:error']);
    assert.equal(await page.getAttribute('input[name="query"]', 'list'), 'query-history');
    await page.close();
  });

  it('opens the syntax help and puts a clicked example into the query box', async () => {
    const page = await ui.chromium.newPage();
    await signIn(page, ui.api.url, TEST_API_KEY, '/?from=15m');
    await page.waitForSelector('[data-log-list]');
    const help = page.locator('details.query-help');
    assert.equal(await help.getAttribute('open'), null);
    assert.ok(!(await help.locator('[data-example]').first().isVisible()));
    await help.locator('summary', { hasText: 'Syntax help' }).click();
    const example = help.locator('[data-example]', { hasText: /^level>=warn$/ });
    assert.ok(await example.isVisible());
    await example.click();
    assert.equal(await page.inputValue('input[name="query"]'), 'level>=warn');
    assert.ok(await page.locator('input[name="query"]').evaluate((el) => el === document.activeElement));
    await Promise.all([page.waitForURL(/query=level%3E%3Dwarn/), page.press('input[name="query"]', 'Enter')]);
    await page.waitForSelector('[data-log-list] > .log-row');
    const levels = dataset().filter((r) => r.level === 'warn' || r.level === 'error');
    const inRange = levels.filter((r) => r.timeNs >= NOW_NS - 15n * MINUTE_NS);
    assert.equal(await rowCount(page), inRange.length);
    await page.close();
  });

  it('quick ranges and an absolute from/to choose the lines shown', async () => {
    const page = await ui.chromium.newPage();
    await signIn(page, ui.api.url, TEST_API_KEY, '/?from=15m');
    await page.waitForSelector('[data-log-list] > .log-row');
    const expectations: [string, number][] = [
      ['1h', 41],
      ['24h', 42],
      ['7d', 43],
      ['15m', 40],
    ];
    for (const [range, count] of expectations) {
      await Promise.all([
        page.waitForURL(new RegExp(`from=${range}`)),
        page.click(`a[data-range="${range}"]`),
      ]);
      await page.waitForSelector('[data-log-list] > .log-row');
      assert.equal(await rowCount(page), count, range);
      assert.match((await page.getAttribute(`a[data-range="${range}"]`, 'class')) ?? '', /is-active/, range);
      assert.equal(await page.inputValue('input[name="from"]'), range);
    }

    // absolute: from 4 h to 1 h before now holds only the three-hour-old line
    const iso = (agoMinutes: bigint) =>
      new Date(Number((NOW_NS - agoMinutes * MINUTE_NS) / 1_000_000n)).toISOString();
    await page.fill('input[name="from"]', iso(240n));
    await page.fill('input[name="to"]', iso(60n));
    await Promise.all([page.waitForURL(/to=2026-/), page.press('input[name="to"]', 'Enter')]);
    await page.waitForSelector('[data-log-list] > .log-row');
    assert.deepEqual(await page.locator('[data-log-list] .log-message').allTextContents(), [
      'three hours old',
    ]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('from'), iso(240n));
    assert.equal(url.searchParams.get('to'), iso(60n));
    assert.equal(await page.locator('a[data-range].is-active').count(), 0);
    await page.close();
  });
  it('shows one alert, not a stack, when saving under a taken name fails twice', async () => {
    const page = await ui.chromium.newPage();
    await signIn(page, ui.api.url, TEST_API_KEY, '/?from=15m');
    await page.waitForSelector('[data-log-list] > .log-row');
    await page.fill('[data-save-search] input[name="name"]', 'taken');
    await Promise.all([page.waitForEvent('load'), page.click('[data-save-search] button[type="submit"]')]);
    for (let i = 1; i <= 2; i++) {
      // mark the alerts there are, then wait for the new one of this failure
      await page.$$eval('[data-save-search] .alert-error', (els) => {
        for (const el of els) el.setAttribute('data-old', '');
      });
      await page.fill('[data-save-search] input[name="name"]', 'taken');
      await page.click('[data-save-search] button[type="submit"]');
      await page.locator('[data-save-search] .alert-error:not([data-old])').waitFor();
    }
    assert.equal(await page.locator('[data-save-search] .alert-error').count(), 1);
    await page.close();
  });
});
