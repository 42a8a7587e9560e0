// The issue page's Activity list says what each change was (real headless Chromium, real server,
// temp-file SQLite): a regression names its release, a merge names the issues merged in, an
// ignore its condition. It read "unresolved by system", "unresolved by api", "ignored by …"
// (black-box 10 #59).
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

async function newIssue(type: string): Promise<number> {
  const eventId = await sendEvent(t, { type, release: 'app@1.0.0' });
  t.drain();
  return (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
}

async function as(actor: string, method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...t.adminHeaders, 'content-type': 'application/json', 'x-actor': actor },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

test('the Activity list words a regression, a merge, a next-release resolve and an ignore condition', async () => {
  const id = await newIssue('ActivityError');
  const other = await newIssue('OtherActivityError');
  await as('erin', 'PATCH', `/api/issues/${id}`, { status: 'resolved' });
  await sendEvent(t, { type: 'ActivityError', release: 'app@1.0.0' });
  t.drain();
  await as('henry', 'POST', `/api/issues/${id}/merge`, { ids: [other] });
  await as('ivy', 'PATCH', `/api/issues/${id}`, { status: 'ignored', ignore: { until_events: 10 } });
  await as('jo', 'PATCH', `/api/issues/${id}`, { status: 'resolved', in_next_release: true });

  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, `/issues/${id}`);
  const items = (await page.locator('.history li').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
  assert.deepEqual(
    items.map((s) => s.replace(/ (just now|\d+ \w+ ago)$/, '')),
    [
      'resolved by erin',
      'unresolved regression in app@1.0.0, by system',
      `merge #${other} merged into this issue, by henry`,
      'ignored until 10 more events, by ivy',
      'resolved in the release after app@1.0.0, by jo',
    ],
  );
});
