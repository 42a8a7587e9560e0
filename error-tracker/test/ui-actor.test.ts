// Who a change made in the web UI is recorded as: everyone signs in with the one admin key, so each
// browser names itself on the settings page and its status changes and merges carry that name in
// the history (they were all "ui"); a browser without a name is still "ui". Real headless Chromium
// against the real server (temp-file SQLite, 127.0.0.1 port 0).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import type { Page } from 'playwright-core';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let server: TrackerTest;
const browsers: LaunchedBrowser[] = [];

before(async () => {
  server = await startTracker();
});
after(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
});

async function newIssue(fn: string): Promise<number> {
  const eventId = await sendEvent(server, { fn });
  server.drain();
  return (await api<{ issue_id: number }>(server, 'GET', `/api/events/${eventId}`)).json.issue_id;
}

/** A signed-in page of a browser of its own (its own cookies: another person). */
async function personPage(): Promise<Page> {
  const browser = await launchBrowser();
  browsers.push(browser);
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await signIn(page, server.url, TEST_API_KEY);
  return page;
}

async function setName(page: Page, name: string): Promise<void> {
  await page.goto(`${server.url}/settings`);
  await page.fill('.actor-form input[name="name"]', name);
  await Promise.all([page.waitForURL(/\/settings/), page.click('button[data-action="save-actor"]')]);
}

async function resolveInUi(page: Page, issueId: number): Promise<void> {
  await page.goto(`${server.url}/issues/${issueId}`);
  await Promise.all([
    page.waitForURL(`${server.url}/issues/${issueId}`),
    page.click('button[data-action="resolve"]'),
  ]);
}

async function lastActor(issueId: number): Promise<string> {
  const history = await api<{ data: { actor: string; to_status: string }[] }>(
    server,
    'GET',
    `/api/issues/${issueId}/history`,
  );
  return history.json.data.at(-1)?.actor ?? '';
}

test('a status change in the UI is recorded under the name this browser set, else "ui"', async () => {
  const jane = await personPage();
  const other = await personPage();
  const [a, b, c] = [await newIssue('actor_a'), await newIssue('actor_b'), await newIssue('actor_c')];

  const hostile = 'Jane <b>Doe</b>\r\nresolved by admin';
  await setName(jane, hostile);
  assert.equal(await jane.inputValue('.actor-form input[name="name"]'), 'Jane <b>Doe</b> resolved by admin');
  await resolveInUi(jane, a);
  assert.equal(await lastActor(a), 'Jane <b>Doe</b> resolved by admin');
  assert.match(await jane.locator('body').innerText(), /Jane <b>Doe<\/b> resolved by admin/, 'shown as text');

  await resolveInUi(other, b);
  assert.equal(await lastActor(b), 'ui', 'a browser without a name');

  await setName(jane, '   ');
  await resolveInUi(jane, c);
  assert.equal(await lastActor(c), 'ui', 'a blank name clears it');
});

test('a merge in the UI is recorded under the browser name', async () => {
  const page = await personPage();
  await setName(page, 'Henry');
  const target = await newIssue('merge_actor_target');
  const source = await newIssue('merge_actor_source');
  await page.goto(`${server.url}/issues/${target}`);
  await page.click('summary[data-action="manage"]');
  await page.fill('.merge-form input[name="source"]', `#${source}`);
  await Promise.all([page.waitForURL(/\/merge\?source=/), page.click('button[data-action="merge"]')]);
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/issues/${target}`),
    page.click('button[data-action="confirm-merge"]'),
  ]);
  assert.equal(await lastActor(target), 'Henry');
});
