// Real Chromium against the kit: sign in, render every component with hostile strings, prove they stay
// inert, exercise the theme toggle and keyboard, keep light and dark screenshots.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServiceApp } from '../http/app.js';
import { Registry } from '../metrics.js';
import {
  type LaunchedBrowser,
  launchBrowser,
  saveScreenshot,
  signIn,
  watchForScriptExecution,
} from './browser.js';
import { renderDemoBody } from './demo-page.js';
import { renderPage } from './layout.js';
import { csrfToken, registerUi, registerUiPages } from './register.js';

const API_KEY = 'demo-key-0123456789abcdef';
const HOSTILE = `<script>alert("x")</script><img src=x onerror="window.__xss='img'">"'><svg onload=alert(1)> javascript:alert(1)`;
const urls = {
  errors: 'http://localhost:5010',
  logs: 'http://localhost:5011',
  metrics: 'http://localhost:5012',
};
let app: FastifyInstance;
let base: string;
let chromium: LaunchedBrowser;

before(async () => {
  app = createServiceApp({
    service: { name: 'demo', version: 't' },
    config: { API_KEY, LOG_LEVEL: 'silent' },
    registry: new Registry(),
    isReady: () => true,
    logger: false,
  });
  registerUi(app, { service: 'logs', apiKey: API_KEY, urls });
  registerUiPages(app, async (ui) => {
    ui.get('/demo', async (request, reply) => {
      const body = renderDemoBody(HOSTILE, Date.now());
      const page = renderPage({ service: 'logs', title: HOSTILE, urls, body, csrfToken: csrfToken(request) });
      return reply.type('text/html; charset=utf-8').send(page.value);
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await app.close();
});

test('the demo page renders hostile strings as text and no script runs', async () => {
  const page = await chromium.newPage();
  const watch = await watchForScriptExecution(page);
  await page.goto(`${base}/demo`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await saveScreenshot(page, 'shared', 'ui-kit-sign-in');
  await signIn(page, base, API_KEY, '/demo');
  assert.equal(new URL(page.url()).pathname, '/demo');
  await page.waitForFunction(() => document.querySelector('time')?.textContent?.includes('ago'));
  assert.equal(await page.locator('a[aria-current="page"].topbar-service').textContent(), 'Logs');
  assert.ok((await page.title()).startsWith('<script>'));
  assert.equal(await page.locator('tbody tr').nth(4).locator('a').textContent(), HOSTILE);
  assert.equal(await page.locator('script:not([src])').count(), 0);
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.equal(await page.locator('a[href^="javascript"]').count(), 0);
  assert.equal(await page.locator('td.num').first().textContent(), '12,345');
  await watch.assertInert();
  await saveScreenshot(page, 'shared', 'ui-kit-demo-light');

  // Keyboard: j moves through rows, "/" focuses the search box, Esc clears it.
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  assert.equal(await page.locator('tr.is-selected').count(), 1);
  assert.equal(await page.locator('tbody tr').nth(1).getAttribute('class'), 'is-selected');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-search')), '');
  await page.keyboard.press('Escape');
  assert.equal(await page.inputValue('input[data-search]'), '');

  // Theme toggle flips to dark and is remembered across a reload.
  await page.click('[data-theme-toggle]');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.click('[data-tz-toggle]');
  assert.equal(await page.textContent('[data-tz-toggle]'), 'UTC');
  assert.match((await page.getAttribute('time', 'title')) ?? '', /UTC$/);
  await watch.assertInert();
  await saveScreenshot(page, 'shared', 'ui-kit-demo-dark');

  // Enter opens the selected row's link.
  await page.keyboard.press('k');
  await Promise.all([page.waitForURL(/row=5/), page.keyboard.press('Enter')]);
  await page.close();
});
