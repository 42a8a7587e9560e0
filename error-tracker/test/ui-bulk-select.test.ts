// The issue list's bulk actions: a header box ticks the whole page, and the bulk select offers the
// issue page's choices (ignore for a time or until N events/users, resolve in next release), as
// Sentry's list; each row had to be ticked and only resolve/unresolve/ignore forever were offered
// (black-box 10 #62). Real headless Chromium, real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let browser: LaunchedBrowser;

before(async () => {
  t = await startTracker();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

test('the header box selects the page and "ignore until 10 more events" applies to every issue of it', async () => {
  for (const type of ['BulkOneError', 'BulkTwoError', 'BulkThreeError']) await sendEvent(t, { type });
  t.drain();
  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, '/');
  await page.check('input[data-select-page]');
  const ticked = await page.locator('input[form="bulk"]:checked').count();
  assert.equal(ticked, 3);
  await page.selectOption('select[name="action"]', 'ignore_10_events');
  await Promise.all([page.waitForURL(`${t.url}/`), page.click('button[data-action="bulk"]')]);
  const issues = (
    await api<{ data: { status: string; ignore: { until_events: number } | null }[] }>(
      t,
      'GET',
      '/api/issues?status=ignored',
    )
  ).json.data;
  assert.deepEqual(
    issues.map((i) => [i.status, i.ignore?.until_events]),
    [
      ['ignored', 10],
      ['ignored', 10],
      ['ignored', 10],
    ],
  );
});
