// The settings page's "Latest deliveries" names the webhook (URL, body format) of each row, and the
// API rows carry `url` and `format`: with two rules of one trigger a failed delivery could not be
// traced to its receiver (black-box 10 #71). A password in a URL is shown masked. Real headless
// Chromium, real server and receivers on loopback.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let browser: LaunchedBrowser;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
    res.end();
  });
});

before(async () => {
  t = await startTracker({ ALERT_MAX_ATTEMPTS: '1' });
  browser = await launchBrowser();
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await browser?.close();
  await t?.close();
  await new Promise((resolve) => receiver.close(resolve));
});

test('each delivery row names its webhook and body format, in the API and on the settings page', async () => {
  const base = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await api(t, 'POST', '/api/projects/1/alerts', { trigger: 'new_issue', url: `http://${base}/fail/a` });
  await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'new_issue',
    url: `http://hook:s3cret@${base}/ok/b`,
    format: 'slack',
  });
  await sendEvent(t, { type: 'TwoHooksError' });
  t.drain();
  await t.app.errorTracker.deliverer.deliverDue();
  const rows = (
    await api<{ data: { url: string; format: string; status: string }[] }>(
      t,
      'GET',
      '/api/projects/1/alert-deliveries',
    )
  ).json.data;
  assert.deepEqual(
    rows.map((d) => [d.url, d.format, d.status]),
    [
      [`http://hook:***@${base}/ok/b`, 'slack', 'delivered'],
      [`http://${base}/fail/a`, 'json', 'failed'],
    ],
  );

  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, '/settings');
  const shown = await page
    .locator('table.deliveries tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.querySelector('td.webhook')?.textContent ?? '',
        tr.querySelector('.badge')?.textContent ?? '',
      ]),
    );
  assert.deepEqual(shown, [
    [`http://hook:***@${base}/ok/b · Slack`, 'delivered'],
    [`http://${base}/fail/a · JSON`, 'failed'],
  ]);
  assert.doesNotMatch(await page.content(), /s3cret/);
});
