// A recursion's stack shows the repeated frame once with a count, as Sentry folds repeated frames
// (real headless Chromium, Debian sentry-python, real server): 400 identical `down` frames were
// 400 rows, a 19,000 px page with the breadcrumbs and context at its bottom (black-box 10 #70).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import { api } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

const PYTHON = `
import sys, sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], release="deep@1", default_integrations=False)
sys.setrecursionlimit(400)
def down(n):
    return down(n + 1)
try:
    down(0)
except RecursionError as e:
    sentry_sdk.capture_exception(e)
sentry_sdk.flush(5)
`;

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

test('a recursion of 400 frames shows the repeated frame once with its count', async () => {
  const dsn = `http://publickey@127.0.0.1:${new URL(t.url).port}/1`;
  await new Promise<void>((resolve, reject) =>
    execFile('/usr/bin/python3', ['-c', PYTHON, dsn], { timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
    ),
  );
  t.drain();
  const issue = (await api<{ data: { id: number }[] }>(t, 'GET', '/api/issues?release=deep@1')).json.data[0];
  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, `/issues/${issue.id}`);
  const titles = await page.locator('.exception .stack-frame .frame-title').allInnerTexts();
  const downs = titles.filter((s) => /\bdown\b/.test(s));
  assert.equal(downs.length, 1, `the recursive frame is shown once, not ${downs.length} times`);
  const repeated = await page.locator('.frame-repeated').allInnerTexts();
  assert.equal(repeated.length, 1);
  assert.match(repeated[0], /^Frame repeated \d{3} more times$/);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height < 5000, `the page is ${height} px tall`);
});
