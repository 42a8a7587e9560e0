// Deleting an issue leaves a record of who deleted it and when: its id answers a 404 naming them
// (API and the UI's issue page), and the service log has a line. The delete took the issue's
// history with it, so nothing told "who deleted the payment-timeout issue" (black-box 10 #66).
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
  const eventId = await sendEvent(t, { type });
  t.drain();
  return (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
}

test('a deleted issue answers a 404 that says who deleted it and when, in the API and the UI', async () => {
  const id = await newIssue('PaymentTimeoutError');
  const del = await fetch(`${t.url}/api/issues/${id}`, {
    method: 'DELETE',
    headers: { ...t.adminHeaders, 'x-actor': 'mallory' },
  });
  assert.equal(del.status, 204);
  const at = new Date(t.clock.now).toISOString();
  for (const path of [`/api/issues/${id}`, `/api/issues/${id}/history`]) {
    const res = await api<{ error: { message: string; details: unknown } }>(t, 'GET', path);
    assert.equal(res.status, 404, path);
    assert.equal(res.json.error.message, `issue ${id} was deleted by mallory at ${at}`);
    assert.deepEqual(res.json.error.details, { deleted_by: 'mallory', deleted_at: at });
  }
  // an id that never was stays a plain 404
  const never = await api<{ error: { message: string } }>(t, 'GET', '/api/issues/999999');
  assert.equal(never.json.error.message, 'issue 999999 not found');

  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, '/');
  const res = await page.goto(`${t.url}/issues/${id}`);
  assert.equal(res?.status(), 404);
  assert.match(await page.locator('body').innerText(), /was deleted by mallory at/);
});

test('a delete from the UI form is recorded under the name this browser set', async () => {
  const id = await newIssue('DeletedInUiError');
  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, '/settings');
  await page.fill('.actor-form input[name="name"]', 'henry');
  await Promise.all([page.waitForURL(/\/settings/), page.click('button[data-action="save-actor"]')]);
  await page.goto(`${t.url}/issues/${id}/delete`);
  await Promise.all([
    page.waitForURL(`${t.url}/`),
    page.click('form[action$="/delete"] button[type="submit"]'),
  ]);
  const res = await api<{ error: { details: { deleted_by: string } } }>(t, 'GET', `/api/issues/${id}`);
  assert.equal(res.status, 404);
  assert.equal(res.json.error.details.deleted_by, 'henry');
});
