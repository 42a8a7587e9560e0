// The UI tests' setup: the app of api-helpers.ts over a store holding a dataset, driven by real
// headless Chromium (shared/ui/browser), both closed after the suite.
import { after, before } from 'node:test';
import { type LaunchedBrowser, launchBrowser } from '@flowrent/shared/ui/browser';
import type { Page } from 'playwright-core';
import type { LogRecord } from '../src/model.js';
import { type Api, startApi } from './api-helpers.js';

export interface BrowserApi {
  api: Api;
  chromium: LaunchedBrowser;
}

/** Registers the suite's before/after hooks; the returned fields are set once `before` has run. */
export function useBrowserApi(dataset: () => LogRecord[]): BrowserApi {
  const ui = {} as BrowserApi;
  before(async () => {
    ui.api = await startApi();
    await ui.api.store.append(dataset());
    ui.chromium = await launchBrowser();
  });
  after(async () => {
    await ui.chromium?.close();
    await ui.api?.close();
  });
  return ui;
}

export async function rowCount(page: Page): Promise<number> {
  return page.locator('[data-log-list] > .log-row').count();
}
