// Real headless Chromium: the live tail's "lines dropped" is the total since the tail was switched
// on, across EventSource's reconnects (the server counts per connection: a client over the rate
// limit, and on a reconnect the lines too far behind to replay).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signIn } from '@flowrent/shared/ui/browser';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { logRecord, T0 } from './api-helpers.js';
import { useBrowserApi } from './browser-helpers.js';
import { MAX_TAIL_LINES_PER_SECOND } from '../src/http/query-tail-buffer.js';

describe('live tail dropped count in headless Chromium', () => {
  const ui = useBrowserApi(() => [logRecord(1)]);

  it('adds up the lines dropped on every connection of one tail', async () => {
    const page = await ui.chromium.newPage();
    // EventSource's reconnects are held until the test has appended what they must find
    let tails = 0;
    let releaseReconnect = () => {};
    const reconnectMayGo = new Promise<void>((resolve) => {
      releaseReconnect = resolve;
    });
    let reconnected = () => {};
    const reconnecting = new Promise<void>((resolve) => {
      reconnected = resolve;
    });
    await page.route('**/api/logs/tail?*', async (route) => {
      if (tails++ > 0) {
        reconnected();
        await reconnectMayGo;
      }
      await route.continue();
    });
    await signIn(page, ui.api.url, TEST_API_KEY, `/?from=1h&query=${encodeURIComponent('service:dropsvc')}`);
    await page.click('[data-live-toggle]');
    await page.waitForFunction(
      () => !/connecting/.test(document.querySelector('[data-live-status]')?.textContent ?? ''),
    );
    const status = page.locator('[data-live-status]');

    // connection 1: one burst over the per-client rate limit, the excess dropped
    const burst = MAX_TAIL_LINES_PER_SECOND + 40;
    await ui.api.store.append(
      Array.from({ length: burst }, (_, i) =>
        logRecord(200, {
          service: 'dropsvc',
          message: `burst ${i}`,
          timeNs: T0 + 200_000_000_000n + BigInt(i),
        }),
      ),
    );
    await page.waitForFunction(
      () => Number(document.querySelector('[data-live-status]')?.getAttribute('data-dropped')) > 0,
    );
    const first = Number(await status.getAttribute('data-dropped'));
    assert.ok(first >= 40 && first < burst, `${first} dropped on the first connection`);

    // the server drops every connection (a restart, a proxy timeout): EventSource reconnects with
    // Last-Event-ID; meanwhile a shipper catching up sends three lines an hour behind the last one
    ui.api.app.server.closeAllConnections();
    await reconnecting;
    await ui.api.store.append(
      Array.from({ length: 3 }, (_, i) =>
        logRecord(3, { service: 'dropsvc', message: `an hour behind ${i}`, timeNs: T0 - 3_600_000_000_000n }),
      ),
    );
    releaseReconnect();
    await page.waitForFunction(
      (want) => document.querySelector('[data-live-status]')?.getAttribute('data-dropped') === String(want),
      first + 3,
    );
    assert.match(
      (await status.textContent()) ?? '',
      new RegExp(`${(first + 3).toLocaleString('en-US')} lines dropped`),
    );
    assert.equal(tails, 2);

    // switched off and on: a new tail, counted from 0
    await page.click('[data-live-toggle]');
    await page.click('[data-live-toggle]');
    await page.waitForFunction(
      () => document.querySelector('[data-live-status]')?.getAttribute('data-dropped') === '0',
    );
    await page.close();
  });

  it('shows "at least" once a reconnect could not count every line it missed', async () => {
    const page = await ui.chromium.newPage();
    let tails = 0;
    // The server's side (a replay past its 500 ms / 2,000-block budget sends lower_bound: true) is
    // api-tail.test.ts's; here the reconnect is answered with that event.
    // first reconnect: nothing counted, but not all replayed; the second (100 ms later): 7 counted
    let releaseSecond = () => {};
    const secondMayGo = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    await page.route('**/api/logs/tail?*', async (route) => {
      const n = tails++;
      if (n === 0) return route.continue();
      if (n === 2) await secondMayGo;
      await route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: `retry: ${n === 1 ? 100 : 60_000}\n\nevent: dropped\ndata: {"dropped":${n === 1 ? 0 : 7},"lower_bound":true}\n\nevent: ready\ndata: {}\n\n`,
      });
    });
    await signIn(page, ui.api.url, TEST_API_KEY, `/?from=1h&query=${encodeURIComponent('service:dropsvc')}`);
    await page.click('[data-live-toggle]');
    await page.waitForFunction(
      () => !/connecting/.test(document.querySelector('[data-live-status]')?.textContent ?? ''),
    );
    ui.api.app.server.closeAllConnections();
    await page.waitForFunction(
      () => document.querySelector('[data-live-status]')?.getAttribute('data-dropped-at-least') === 'true',
    );
    assert.match(
      (await page.locator('[data-live-status]').textContent()) ?? '',
      /lines may be missing \(a reconnect could not replay them all\)/,
    );
    releaseSecond();
    await page.waitForFunction(
      () => document.querySelector('[data-live-status]')?.getAttribute('data-dropped') === '7',
    );
    assert.match((await page.locator('[data-live-status]').textContent()) ?? '', /at least 7 lines dropped/);
    await page.close();
  });
});
