// Real headless Chromium in Tokyo: an absolute from/to typed without a zone is read in the zone the
// list shows its times in (black-box 25, ninth session: it was read as UTC, 9 h off, and showed 0 lines).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type Api, logRecord, NOW_MS, startApi } from './api-helpers.js';

const MINUTE_MS = 60_000;
let api: Api;
let chromium: LaunchedBrowser;
before(async () => {
  api = await startApi();
  const at = BigInt(NOW_MS - 30 * MINUTE_MS) * 1_000_000n;
  await api.store.append([logRecord(0, { timeNs: at, observedNs: at, message: 'half an hour old' })]);
  chromium = await launchBrowser({ timezoneId: 'Asia/Tokyo' });
});
after(async () => {
  await chromium?.close();
  await api?.close();
});

/** Tokyo wall-clock time (UTC+9, no daylight saving) as typed: `2026-11-27 04:00`. */
function tokyo(ms: number): string {
  return new Date(ms + 9 * 60 * MINUTE_MS).toISOString().slice(0, 16).replace('T', ' ');
}

it('a zone-less absolute from/to is the browser zone the list shows', async () => {
  const page = await chromium.newPage();
  await signIn(page, api.url, TEST_API_KEY, '/?from=1h');
  await page.waitForSelector('[data-log-list] > .log-row');
  const shown = (await page.locator('[data-log-list] .log-row').first().textContent()) ?? '';
  assert.match(shown, /\+09:00/);
  await page.fill('input[name="from"]', tokyo(NOW_MS - 31 * MINUTE_MS));
  await page.fill('input[name="to"]', tokyo(NOW_MS - 29 * MINUTE_MS));
  await Promise.all([page.waitForURL(/to=2026-/), page.press('input[name="to"]', 'Enter')]);
  await page.waitForSelector('[data-log-list]');
  assert.deepEqual(await page.locator('[data-log-list] .log-message').allTextContents(), [
    'half an hour old',
  ]);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('from'), `${tokyo(NOW_MS - 31 * MINUTE_MS).replace(' ', 'T')}+09:00`);
  await page.close();
});
