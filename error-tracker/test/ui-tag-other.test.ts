// The issue page's tag panel ends each key with the share of the values it does not list and a
// link to all of them (the tag values API), as Sentry's tag bars end with "Other": the top 5 of 12
// values read as the whole picture (black-box 10 #69). Real headless Chromium, real server.
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

test('a key with more values than shown ends with "other values" and its share, linked to all of them', async () => {
  let eventId = '';
  for (let i = 1; i <= 30; i++)
    eventId = await sendEvent(t, { type: 'ShardError', tags: { shard: `s${i % 12}` } });
  t.drain();
  const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, `/issues/${issueId}`);
  const shard = page.locator('.tag-dist', { has: page.locator('h4', { hasText: /^shard$/ }) });
  const rows = await shard
    .locator('li a')
    .evaluateAll((as) =>
      as.map((a) => [a.querySelector('.tag-value')?.textContent, a.querySelector('.num')?.textContent]),
    );
  assert.equal(rows.length, 6);
  assert.deepEqual(rows[5], ['other values', '50%'], 'top 5 of 12 values hold 15 of 30 events');
  await shard.locator('li.tag-other a').click();
  const all = JSON.parse(await page.locator('body').innerText()) as { data: unknown[] };
  assert.equal(all.data.length, 12);
});
