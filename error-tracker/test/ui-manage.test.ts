// Managing issues and projects from the web UI in real headless Chromium against the real server
// (temp-file SQLite, 127.0.0.1 port 0): merge two issues and delete one (each through its
// confirmation page), add and revoke a DSN key (ingest with it works, then gets 403), add and
// delete alert rules; hostile labels and URLs stay text; forms without the CSRF token are refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import {
  type LaunchedBrowser,
  launchBrowser,
  saveScreenshot,
  signIn,
  watchForScriptExecution,
} from '@flowrent/shared/ui/browser';
import type { Page } from 'playwright-core';
import { api, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

const HOSTILE = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`;

let server: TrackerTest;
let browser: LaunchedBrowser;
const issueOf = new Map<string, number>();
const eventsOf = new Map<string, string[]>();

interface ApiIssue {
  id: number;
  event_count: number;
}

async function issueIdOf(eventId: string): Promise<number> {
  const res = await api<{ issue_id: number }>(server, 'GET', `/api/events/${eventId}`);
  assert.equal(res.status, 200);
  return res.json.issue_id;
}

before(async () => {
  server = await startTracker();
  const specs = {
    orders: { type: 'ValueError', fn: 'place_order', value: 'order total is negative' },
    payments: { type: 'KeyError', fn: 'charge', value: "'card'" },
    noise: { type: 'TypeError', fn: 'render', value: 'noise' },
  };
  const counts = { orders: 2, payments: 1, noise: 3 };
  for (const [name, spec] of Object.entries(specs)) {
    const ids: string[] = [];
    for (let i = 0; i < counts[name as keyof typeof counts]; i++) ids.push(await sendEvent(server, spec));
    eventsOf.set(name, ids);
  }
  server.drain();
  for (const [name, ids] of eventsOf) issueOf.set(name, await issueIdOf(ids[0]));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function signedInPage(): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/login`);
  if (new URL(page.url()).pathname === '/login') await signIn(page, server.url, TEST_API_KEY);
  return page;
}

test('merging an issue into another goes through a confirmation page and moves its events', async () => {
  const target = issueOf.get('orders') as number;
  const source = issueOf.get('payments') as number;
  const page = await signedInPage();
  await page.goto(`${server.url}/issues/${target}`);
  await page.click('summary[data-action="manage"]');
  await page.fill('.merge-form input[name="source"]', `#${source}`);
  await Promise.all([page.waitForURL(/\/merge\?source=/), page.click('button[data-action="merge"]')]);
  const confirm = await page.locator('.confirm-page').innerText();
  assert.match(confirm, new RegExp(`Merge #${source} into #${target}\\?`));
  assert.match(confirm, /KeyError/);
  assert.match(confirm, /ValueError/);
  await saveScreenshot(page, 'error-tracker', 'ui-merge-confirm');
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/issues/${target}` && !u.search),
    page.click('button[data-action="confirm-merge"]'),
  ]);
  assert.equal((await page.locator('.stat-value').first().innerText()).trim(), '3');
  // the merged-away id leads to the target (test/merge-redirect.test.ts)
  assert.equal((await api<ApiIssue>(server, 'GET', `/api/issues/${source}`)).json.id, target);
  const merged = await api<ApiIssue>(server, 'GET', `/api/issues/${target}`);
  assert.equal(merged.json.event_count, 3);
  // Merging into itself or from a missing issue is refused with a page that says why.
  const self = await page.goto(`${server.url}/issues/${target}/merge?source=${target}`);
  assert.equal(self?.status(), 422);
  assert.match(await page.locator('.error-page').innerText(), /cannot be merged into itself/);
  const gone = await page.goto(`${server.url}/issues/${target}/merge?source=${source}`);
  assert.equal(gone?.status(), 404);
  await page.close();
});

test('deleting an issue asks first, then removes it with its events', async () => {
  const id = issueOf.get('noise') as number;
  const page = await signedInPage();
  await page.goto(`${server.url}/issues/${id}`);
  await page.click('summary[data-action="manage"]');
  await Promise.all([page.waitForURL(/\/delete$/), page.click('a[data-action="delete"]')]);
  assert.match(await page.locator('.confirm-page').innerText(), /3 stored events are deleted for good/);
  // Cancel keeps it.
  await Promise.all([page.waitForURL(/\/issues\/\d+$/), page.click('.confirm-page a.btn')]);
  assert.equal((await api(server, 'GET', `/api/issues/${id}`)).status, 200);
  await page.goto(`${server.url}/issues/${id}/delete`);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/'),
    page.click('button[data-action="confirm-delete"]'),
  ]);
  assert.equal((await api(server, 'GET', `/api/issues/${id}`)).status, 404);
  for (const eventId of eventsOf.get('noise') ?? [])
    assert.equal((await api(server, 'GET', `/api/events/${eventId}`)).status, 404);
  assert.equal(await page.locator(`a.issue-title[href="/issues/${id}"]`).count(), 0);
  await page.close();
});

test('a DSN key added in settings ingests, and once revoked there it gets 403', async () => {
  const page = await browser.newPage();
  const watch = await watchForScriptExecution(page);
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/login`);
  if (new URL(page.url()).pathname === '/login') await signIn(page, server.url, TEST_API_KEY);
  await page.goto(`${server.url}/settings`);
  await page.fill('.add-key input[name="label"]', HOSTILE);
  await Promise.all([page.waitForURL(/#keys$/), page.click('button[data-action="add-key"]')]);
  const row = page.locator('table.keys tbody tr').last();
  assert.equal(await row.locator('td').first().innerText(), HOSTILE);
  const dsn = new URL(await row.locator('td.mono').innerText());
  const key = dsn.username;
  assert.notEqual(key, 'publickey');
  await sendEvent(server, { key, type: 'RuntimeError', value: 'from the new key' });
  await row.locator('summary', { hasText: 'Revoke' }).click();
  await submitForm(page, () => row.locator('button[data-action="revoke-key"]').click());
  assert.match(await page.locator('table.keys tbody tr').last().innerText(), /revoked/);
  const refused = await send(`${server.url}/api/1/store/?sentry_key=${key}`, {
    body: JSON.stringify({ message: 'after revoke' }),
  });
  assert.equal(refused.status, 403);
  await watch.assertInert();
  await page.close();
});

test('alert rules are added (frequency, Slack body) and deleted in settings', async () => {
  const page = await browser.newPage();
  const watch = await watchForScriptExecution(page);
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/login`);
  if (new URL(page.url()).pathname === '/login') await signIn(page, server.url, TEST_API_KEY);
  await page.goto(`${server.url}/settings?project=1`);
  assert.equal(await page.locator('.frequency-fields').isVisible(), false);
  await page.selectOption('.alert-form select[name="trigger"]', 'frequency');
  await page.fill('.alert-form input[name="threshold"]', '5');
  await page.fill('.alert-form input[name="window_minutes"]', '10');
  await page.fill(
    '.alert-form input[name="url"]',
    `https://hooks.example.com/x?${HOSTILE.replaceAll(' ', '')}`,
  );
  await page.check('.alert-form input[name="format"][value="slack"]');
  await submitForm(page, () => page.click('button[data-action="add-alert"]'));
  await page.selectOption('.alert-form select[name="trigger"]', 'new_issue');
  await page.fill('.alert-form input[name="url"]', 'http://127.0.0.1:9/new-issue');
  await submitForm(page, () => page.click('button[data-action="add-alert"]'));
  const rows = await page.locator('table.rules tbody tr').allInnerTexts();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /more than 5 events in 10 min/);
  assert.match(rows[0], /<script>/);
  assert.match(rows[0], /Slack/);
  assert.match(rows[1], /a new issue is created/);
  const rules = await api<{ data: { trigger: string; format: string; threshold: number | null }[] }>(
    server,
    'GET',
    '/api/projects/1/alerts',
  );
  assert.deepEqual(
    rules.json.data.map((r) => [r.trigger, r.format, r.threshold]),
    [
      ['frequency', 'slack', 5],
      ['new_issue', 'json', null],
    ],
  );
  await saveScreenshot(page, 'error-tracker', 'ui-settings-manage');
  const first = page.locator('table.rules tbody tr').first();
  await first.locator('summary').click();
  await submitForm(page, () => first.locator('button[data-action="delete-alert"]').click());
  assert.equal(await page.locator('table.rules tbody tr').count(), 1);
  // A bad URL is refused with a page that says why.
  await page.fill('.alert-form input[name="url"]', 'ftp://example.com/hook');
  await page.evaluate(() => document.querySelector('.alert-form')?.setAttribute('novalidate', ''));
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/settings/1/alerts')),
    page.click('button[data-action="add-alert"]'),
  ]);
  assert.equal(res.status(), 422);
  assert.match(await page.locator('.error-page').innerText(), /http\(s\) URL/);
  await watch.assertInert();
  await page.close();
});

test('merge, delete, key and alert forms without the CSRF token are refused', async () => {
  const page = await signedInPage();
  await page.goto(`${server.url}/settings`);
  // One loop, no named inner function: tsx's keep-names helper does not exist in the page.
  const statuses = await page.evaluate(async (id) => {
    const out: number[] = [];
    for (const [path, body] of [
      [`/issues/${id}/merge`, 'source=1'],
      [`/issues/${id}/delete`, ''],
      ['/settings/1/keys', 'label=x'],
      ['/settings/1/keys/1/revoke', ''],
      ['/settings/1/alerts', 'trigger=new_issue&url=http://127.0.0.1:9/'],
    ]) {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      out.push(res.status);
    }
    return out;
  }, issueOf.get('orders') as number);
  assert.deepEqual(statuses, [403, 403, 403, 403, 403]);
  assert.equal((await api(server, 'GET', `/api/issues/${issueOf.get('orders')}`)).status, 200);
  await page.close();
});

/**
 * Posts a settings form and waits for the page it redirects to. The URL alone cannot tell: after the
 * first form it already ends in #keys or #alerts, so wait for the new document to load.
 */
async function submitForm(page: Page, click: () => Promise<unknown>): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await click();
  await navigated;
  await page.waitForLoadState('load');
}
