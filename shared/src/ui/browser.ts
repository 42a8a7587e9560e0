// Test helpers for real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core).
// Import as '@flowrent/shared/ui/browser' from tests only: production images do not ship playwright-core.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from './assets.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  browser: Browser | null;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh Chromium with its own throwaway profile; close() removes the profile directory. */
export async function launchBrowser(
  options: { colorScheme?: 'light' | 'dark'; timezoneId?: string } = {},
): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'flowrent-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    locale: 'en-US',
    timezoneId: options.timezoneId ?? 'UTC',
  });
  return {
    context,
    browser: context.browser(),
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface ScriptWatch {
  /** Throws if any dialog opened, an injected marker ran, or the page logged a CSP violation. */
  assertInert(): Promise<void>;
  events: string[];
}

/**
 * Fails a hostile-payload test when a script runs: dialogs (alert/confirm/prompt) are recorded and dismissed,
 * window.__xss set by a payload such as `<img src=x onerror="window.__xss=1">` is detected, and blocked inline
 * scripts (CSP violations) are recorded too (proof something tried to run, and that the CSP held).
 */
export async function watchForScriptExecution(page: Page): Promise<ScriptWatch> {
  const events: string[] = [];
  page.on('dialog', async (dialog) => {
    events.push(`dialog ${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => {
    if (/xss/i.test(error.message)) events.push(`page error: ${error.message}`);
  });
  await page.exposeBinding('__flowrentXss', (_source, detail: string) => {
    events.push(`marker: ${detail}`);
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __xss?: unknown; __flowrentXss?: (d: string) => void };
    Object.defineProperty(window, '__xss', {
      configurable: false,
      set(v: unknown) {
        w.__flowrentXss?.(String(v));
      },
      get() {
        return undefined;
      },
    });
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__flowrentXss?.(`csp-violation ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return {
    events,
    async assertInert() {
      // Let pending event handlers (onerror of broken images) fire before judging.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
      if (events.length > 0) throw new Error(`script execution detected:\n${events.join('\n')}`);
    },
  };
}

/** Saves a full-page PNG to <repo>/<workspace>/test-artifacts/<name>.png and returns the path. */
export async function saveScreenshot(page: Page, workspace: string, name: string): Promise<string> {
  const dir = join(REPO_ROOT, workspace, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs in through the real form. */
export async function signIn(page: Page, baseUrl: string, apiKey: string, next = '/'): Promise<void> {
  await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
  // Pages of one browser share cookies: an already signed-in session is sent straight on to `next`.
  if (!new URL(page.url()).pathname.startsWith('/login')) return;
  await page.fill('input[name="key"]', apiKey);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/login')),
    page.click('button[type="submit"]'),
  ]);
}
