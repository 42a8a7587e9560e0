// The web UI in real headless Chromium against the real server (temp-file SQLite, 127.0.0.1 port 0):
// issues created by the real @sentry/node and sentry-python SDKs, sign-in, list, search, issue page
// with frames, resolve, settings, and a hostile event that must stay inert.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, TEST_API_KEY } from '@flowrent/shared/testing';
import {
  type LaunchedBrowser,
  launchBrowser,
  saveScreenshot,
  signIn,
  watchForScriptExecution,
} from '@flowrent/shared/ui/browser';
import type { Page } from 'playwright-core';
import { startTracker, type TrackerTest } from './helpers/server.js';

const HOSTILE = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`;
const LOGS_URL = 'http://logs.invalid:5011';
const METRICS_URL = 'http://metrics.invalid:5012';
const SDK_DEADLINE_MS = 60_000;
const REPO_NODE_MODULES = new URL('../../node_modules', import.meta.url).pathname;

// One file per SDK: ContextLines needs a real file, and in_app needs it outside node_modules.
const NODE_CLIENT = `
const Sentry = require('@sentry/node');
const HOSTILE = ${JSON.stringify(HOSTILE)};
Sentry.init({
  dsn: process.argv[2],
  release: 'shop@2.0.0',
  environment: 'production',
  beforeSend(event) {
    if (event.tags && event.tags.kind === 'hostile') {
      const frames = event.exception.values[0].stacktrace.frames;
      frames[frames.length - 1].function = HOSTILE;
      event.request = { url: 'javascript:window.__xss=3', method: 'GET', headers: { 'x-evil': HOSTILE } };
    }
    return event;
  },
});
Sentry.setTag('service', 'checkout-api');
function chargeCard(amountCents) {
  if (amountCents > 10000) throw new Error('card declined: amount ' + amountCents + ' exceeds limit');
  return 'ok';
}
function checkout(amountCents) {
  return chargeCard(amountCents);
}
async function main() {
  // Two events of one issue (same frames; different messages, so Dedupe keeps both). The SDK sends
  // queued events concurrently, so the first is flushed before the second is captured (the test
  // expects the 30000 one to be the newer); both are thrown after an await, so their stacks match.
  for (const amount of [25000, 30000]) {
    await Sentry.flush(5000);
    try { checkout(amount); } catch (e) { Sentry.captureException(e); }
  }
  Sentry.withScope((scope) => {
    scope.setTag('kind', 'hostile');
    scope.setTag('evil', HOSTILE);
    scope.setUser({ id: HOSTILE, email: 'a@example.com' });
    Sentry.addBreadcrumb({ category: 'xss', message: HOSTILE, level: 'warning' });
    try { throw new Error('hostile ' + HOSTILE); } catch (e) { Sentry.captureException(e); }
  });
  await Sentry.close(5000);
  process.exit(0);
}
main();
`;

const PYTHON_CLIENT = `
import sys
import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], release="shop@2.0.0", environment="production")


def load_config(cfg):
    return cfg["database_url"]


def start_app():
    cfg = {"debug": True}
    try:
        return load_config(cfg)
    except KeyError as e:
        raise ValueError("configuration is incomplete") from e


try:
    start_app()
except ValueError:
    sentry_sdk.capture_exception()
sentry_sdk.flush()
`;

let server: TrackerTest;
let browser: LaunchedBrowser;

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // A safety net, not a wait: an SDK that cannot reach the server must not hang the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), SDK_DEADLINE_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (code === 0) resolve();
      else reject(new Error(`${command} exited ${code}: ${stderr}`));
    });
  });
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { ...server.adminHeaders, ...init.headers },
  });
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

interface ApiIssue {
  id: number;
  title: string;
  status: string;
}

before(async () => {
  server = await startTracker({ LOG_VIEWER_URL: LOGS_URL, METRICS_COLLECTOR_URL: METRICS_URL });
  // The SDKs stamp events with the real time; the server's clock must agree for "last 24 h".
  server.clock.now = Date.now();
  // startTracker creates the default project (id 1) with the DSN key "publickey".
  const dsn = `http://publickey@${new URL(server.url).host}/1`;
  const clientDir = makeTempDir('et-ui-sdk-');
  writeFileSync(join(clientDir, 'shop_client.cjs'), NODE_CLIENT);
  writeFileSync(join(clientDir, 'shop_client.py'), PYTHON_CLIENT);
  await Promise.all([
    run(process.execPath, [join(clientDir, 'shop_client.cjs'), dsn], { NODE_PATH: REPO_NODE_MODULES }),
    run('/usr/bin/python3', [join(clientDir, 'shop_client.py'), dsn]),
  ]);
  server.drain();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Pages share one browser profile: sign in through the real form unless the session cookie exists. */
async function signInOnce(page: Page): Promise<void> {
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/login`);
  if (new URL(page.url()).pathname === '/login') await signIn(page, server.url, TEST_API_KEY);
}

async function signedInPage(): Promise<Page> {
  const page = await browser.newPage();
  await signInOnce(page);
  return page;
}

test('a signed-out visitor is sent to sign-in; a wrong key is refused; pages carry a strict CSP', async () => {
  const page = await browser.newPage();
  const res = await page.goto(`${server.url}/?status=all`);
  assert.match(new URL(page.url()).pathname, /^\/login/);
  assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await page.fill('input[name="key"]', 'wrong-key');
  await page.click('button[type="submit"]');
  assert.match(await page.locator('[role="alert"]').innerText(), /not right/);
  await page.fill('input[name="key"]', TEST_API_KEY);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.click('button[type="submit"]'),
  ]);
  assert.equal(new URL(page.url()).search, '?status=all');
  await page.close();
});

test('the issue list shows SDK issues with sparklines, and search narrows it through the URL', async () => {
  const page = await signedInPage();
  await page.goto(`${server.url}/`);
  const titles = await page.locator('a.issue-title').allInnerTexts();
  assert.ok(
    titles.some((t) => /card declined: amount \d+ exceeds limit/.test(t)),
    titles.join('\n'),
  );
  assert.ok(
    titles.some((t) => t.includes('ValueError')),
    titles.join('\n'),
  );
  assert.equal(await page.locator('tr.issue-row svg.sparkline').count(), titles.length);
  await page.fill('input[name="query"]', 'card declined');
  await Promise.all([page.waitForURL(/query=card/), page.press('input[name="query"]', 'Enter')]);
  assert.equal(await page.locator('a.issue-title').count(), 1);
  await page.goto(`${server.url}/?status=all`);
  assert.equal(await page.locator('#recent-queries option').first().getAttribute('value'), 'card declined');
  await page.fill('input[name="query"]', 'level:nonsense');
  await Promise.all([page.waitForURL(/query=level/), page.press('input[name="query"]', 'Enter')]);
  assert.match(await page.locator('[role="alert"]').innerText(), /level must be one of/);
  await page.goto(`${server.url}/`);
  await saveScreenshot(page, 'error-tracker', 'ui-issue-list');
  await page.close();
});

test('an issue from @sentry/node shows its in-app frames with context, then resolves', async () => {
  const page = await signedInPage();
  await page.goto(`${server.url}/?query=${encodeURIComponent('card declined')}`);
  await Promise.all([page.waitForURL(/\/issues\/\d+/), page.locator('a.issue-title').first().click()]);
  assert.match(await page.locator('h1.issue-title').innerText(), /card declined: amount \d+ exceeds limit/);
  assert.match(await page.locator('.exc-value').first().innerText(), /amount 30000/);
  const inApp = await page.locator('.stack-frame.in-app .frame-fn').allInnerTexts();
  assert.deepEqual(inApp.slice(0, 2), ['chargeCard', 'checkout']);
  const current = page.locator('details.stack-frame[open] .line.current').first();
  assert.match(await current.innerText(), /throw new Error\('card declined/);
  const logs = page.locator('a.trace-logs');
  assert.match(
    (await logs.getAttribute('href')) ?? '',
    /^http:\/\/logs\.invalid:5011\/\?query=trace_id:[0-9a-f]{32}&from=[\dT:.-]+Z&to=[\dT:.-]+Z$/,
  );
  const metrics = new URL((await page.locator('a.service-metrics').getAttribute('href')) ?? '');
  assert.equal(metrics.origin, METRICS_URL);
  assert.match(metrics.searchParams.get('query') ?? '', /http_requests_total\{service="checkout-api"\}/);
  const traceId = /trace_id:([0-9a-f]{32})/.exec((await logs.getAttribute('href')) ?? '')?.[1];
  const issueUrl = page.url();
  await page.goto(`${server.url}/events?trace_id=${traceId}`);
  assert.ok((await page.locator('table.events tbody tr').count()) >= 1);
  await page.goto(`${server.url}/?query=trace:${traceId}&status=all`);
  // One process without spans keeps one trace: its two issues both show, the python one does not.
  const inTrace = await page.locator('a.issue-title').allInnerTexts();
  assert.ok(
    inTrace.some((t) => t.includes('card declined')) && !inTrace.some((t) => t.includes('ValueError')),
  );
  await page.goto(issueUrl);
  await saveScreenshot(page, 'error-tracker', 'ui-issue-node');
  await Promise.all([page.waitForURL(/\?event=/), page.click('a[data-key="older"]')]);
  assert.match(await page.locator('.exc-value').first().innerText(), /amount 25000/);
  assert.equal(await page.locator('a[data-key="older"]').count(), 0);
  await Promise.all([page.waitForURL(/\?event=/), page.click('a[data-key="newer"]')]);
  assert.match(await page.locator('.exc-value').first().innerText(), /amount 30000/);
  // a click does not wait for the page it opens: count the rows once the events tab has loaded
  await Promise.all([
    page.waitForURL(/\?tab=events$/, { waitUntil: 'load' }),
    page.click('nav[aria-label="Issue views"] a[href$="?tab=events"]'),
  ]);
  assert.equal(await page.locator('table.events tbody tr').count(), 2);
  await page.goBack();
  await Promise.all([page.waitForLoadState('load'), page.click('button[data-action="resolve"]')]);
  await page.waitForSelector('.issue-status .badge.status-resolved');
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  const issue = await api<ApiIssue>(`/api/issues/${id}`);
  assert.equal((issue as ApiIssue & { data?: ApiIssue }).data?.status ?? issue.status, 'resolved');
  await page.close();
});

test('a chained python exception shows both exceptions, local variables and the cause', async () => {
  const page = await signedInPage();
  await page.goto(`${server.url}/?query=ValueError`);
  await Promise.all([page.waitForURL(/\/issues\/\d+/), page.locator('a.issue-title').first().click()]);
  const types = await page.locator('.exc-type').allInnerTexts();
  assert.deepEqual(types, ['ValueError', 'KeyError']);
  assert.match(await page.locator('.caused-by').innerText(), /caused by/i);
  const vars = page.locator('details.stack-frame[open] .frame-vars').first();
  assert.match(await vars.innerText(), /cfg/);
  await page.click('button[data-frames="expand"]');
  assert.equal(await page.locator('details.stack-frame.in-app:not([open])').count(), 0);
  await saveScreenshot(page, 'error-tracker', 'ui-issue-python');
  await page.close();
});

test('a hostile event stays inert: script tags, onerror and javascript: URLs are shown as text', async () => {
  const page = await browser.newPage();
  const watch = await watchForScriptExecution(page);
  await signInOnce(page);
  await page.goto(`${server.url}/?query=hostile`);
  assert.match(await page.locator('a.issue-title').first().innerText(), /<script>window\.__xss=1<\/script>/);
  await Promise.all([page.waitForURL(/\/issues\/\d+/), page.locator('a.issue-title').first().click()]);
  assert.match(await page.locator('h1.issue-title').innerText(), /<img src=x onerror=/);
  assert.ok((await page.locator('.frame-fn').allInnerTexts()).includes(HOSTILE));
  assert.match(await page.locator('#tags').innerText(), /<script>/);
  assert.match(await page.locator('#breadcrumbs').innerText(), /<script>/);
  assert.equal(await page.locator('#request .request-url').innerText(), 'javascript:window.__xss=3');
  assert.equal(await page.locator('main a[href^="javascript:"]').count(), 0);
  assert.equal(await page.locator('main script, main img').count(), 0);
  await saveScreenshot(page, 'error-tracker', 'ui-issue-hostile');
  await watch.assertInert();
  await page.close();
});

test('settings show the DSN with copy-paste Python and Node snippets', async () => {
  const page = await signedInPage();
  await page.goto(`${server.url}/settings`);
  const dsn = await page.locator('code.dsn').first().innerText();
  assert.match(dsn, /^http:\/\/\w+@[^/]+\/\d+$/);
  assert.ok((await page.locator('pre[id$="-python"]').innerText()).includes(`dsn="${dsn}"`));
  assert.ok((await page.locator('pre[id$="-node"]').innerText()).includes(`dsn: '${dsn}'`));
  await page.click('button[data-copy$="-dsn"]');
  // The label changes once the clipboard promise settles: wait for it rather than read at once.
  const copied = page
    .locator('button[data-copy$="-dsn"]')
    .filter({ hasText: /Copied|Selected/ })
    .first();
  await copied.waitFor();
  assert.match(await copied.innerText(), /Copied|Selected/);
  await saveScreenshot(page, 'error-tracker', 'ui-settings');
  await page.close();
});

test('an unknown issue is a 404 page, and a status form without the CSRF token is refused', async () => {
  const page = await signedInPage();
  const res = await page.goto(`${server.url}/issues/999999`);
  assert.equal(res?.status(), 404);
  assert.match(await page.locator('.error-page').innerText(), /Not found/);
  const status = await page.evaluate(
    async () =>
      (
        await fetch('/issues/1/status', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'action=resolve',
        })
      ).status,
  );
  assert.equal(status, 403);
  await page.close();
});
