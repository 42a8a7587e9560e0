// "Ignored until …" follows the Local/UTC toggle like every other time on the page, and the Ignored
// tab says until when or what (real headless Chromium in Asia/Tokyo, real server). It was UTC text
// the toggle did not touch, and the list said only "ignored" (black-box 10 #68).
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
  browser = await launchBrowser({ timezoneId: 'Asia/Tokyo' });
});
after(async () => {
  await browser?.close();
  await t?.close();
});

async function ignoredIssue(type: string, ignore: Record<string, unknown>): Promise<number> {
  const eventId = await sendEvent(t, { type });
  t.drain();
  const id = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  assert.equal((await api(t, 'PATCH', `/api/issues/${id}`, { status: 'ignored', ignore })).status, 200);
  return id;
}

test('the ignore time follows the Local/UTC toggle, and the Ignored tab shows each condition', async () => {
  const byTime = await ignoredIssue('UntilNewYearError', { until_time: '2027-01-01T00:00:00Z' });
  const byCount = await ignoredIssue('UntilTenMoreError', { until_events: 10 });
  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, `/issues/${byTime}`);
  const until = page.locator('.issue-status .ignore-until');
  assert.equal(await until.innerText(), 'until 2027-01-01 09:00:00.000 (+09:00)');
  await page.click('[data-tz-toggle]');
  assert.equal(await until.innerText(), 'until 2027-01-01 00:00:00.000 UTC');

  await page.goto(`${t.url}/?status=ignored`);
  const rows = await page
    .locator('tr.issue-row')
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.querySelector('a.issue-title')?.getAttribute('href'),
        tr.querySelector('.ignore-until')?.textContent,
      ]),
    );
  const expected = [
    [`/issues/${byCount}`, 'until 10 more events'],
    [`/issues/${byTime}`, 'until 2027-01-01 00:00:00.000 UTC'],
  ];
  assert.deepEqual(rows.sort(), expected.sort());
});
