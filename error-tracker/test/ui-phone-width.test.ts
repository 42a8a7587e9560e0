// The UI at phone width (375 px, real headless Chromium, real server): no page scrolls sideways (the
// top bar's Sign out ran past the edge) and the issue list keeps its titles readable and its counts
// on screen (the 24 h sparkline column squeezed the title to one word a line and pushed Users off;
// black-box 10 #57). A triage from an alert link happens on a phone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

const WIDTH = 375;
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

test('at 375 px no page scrolls sideways and the issue list shows whole titles and both counts', async () => {
  const eventId = await sendEvent(t, {
    type: 'RuntimeError',
    value: 'charge failed for order 7',
    user: 'u1',
  });
  t.drain();
  const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  // the list's project filter is as wide as the longest project name, which may not break
  const project = await api(t, 'POST', '/api/projects', { name: `Payments-backend-${'W'.repeat(60)}` });
  assert.equal(project.status, 201);
  const page = await browser.newPage();
  await page.setViewportSize({ width: WIDTH, height: 740 });
  await signIn(page, t.url, TEST_API_KEY);
  for (const path of ['/', `/issues/${issueId}`, '/settings']) {
    await page.goto(`${t.url}${path}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= WIDTH, `${path}: the page is ${wide} px wide`);
    const signOut = await page.locator('.topbar-signout button').boundingBox();
    assert.ok(
      signOut && signOut.x + signOut.width <= WIDTH,
      `${path}: Sign out at ${JSON.stringify(signOut)}`,
    );
  }
  await page.goto(`${t.url}/`);
  const table = await page.locator('table.issues').boundingBox();
  assert.ok(table && table.x + table.width <= WIDTH, `the issue table is ${table?.width} px wide`);
  const users = await page.locator('table.issues tbody tr td.num').last().boundingBox();
  assert.ok(
    users && users.x + users.width <= WIDTH,
    `the Users count ends at ${users && users.x + users.width}`,
  );
  const title = await page.locator('table.issues td.issue-cell').first().boundingBox();
  assert.ok(title && title.width >= 190, `the title column is ${title?.width} px wide`);
});
