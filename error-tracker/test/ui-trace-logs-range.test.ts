// "View logs of this trace" in real Chromium, from the error tracker's issue page to a real log
// viewer: the link carries the event's time, so the log viewer finds the trace's lines of an event
// older than its 7-day default look-back (black-box 10 #55: "0 in range" for a 10-day-old event
// whose lines LOG_RETENTION=30d still kept).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type LaunchedBrowser, launchBrowser, signIn } from '@flowrent/shared/ui/browser';
import { type Api, logRecord, startApi } from '../../log-viewer/test/api-helpers.js';
import { api, nextEventId } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

const TRACE = 'bbbbbbbbccccddddeeeeffff00002222';
const DAY_MS = 86_400_000;

let t: TrackerTest;
let logs: Api;
let browser: LaunchedBrowser;

before(async () => {
  logs = await startApi({ LOG_RETENTION: '30d' });
  t = await startTracker({ LOG_VIEWER_URL: logs.url });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await t?.close();
  await logs?.close();
});

test('the trace link of a 10-day-old event opens the log viewer on that event time and finds its line', async () => {
  const eventMs = t.clock.now - 10 * DAY_MS;
  const event = {
    timestamp: eventMs / 1000,
    platform: 'python',
    level: 'error',
    exception: { values: [{ type: 'OldTraceError', value: 'charge failed' }] },
    contexts: { trace: { trace_id: TRACE, span_id: '1234567890abcdef' } },
  };
  const eventId = nextEventId();
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, {
    body: `${JSON.stringify({ event_id: eventId })}\n{"type":"event"}\n${JSON.stringify(event)}\n`,
  });
  assert.equal(res.status, 200, res.body);
  t.drain();
  const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  await logs.store.append([
    logRecord(0, {
      timeNs: BigInt(eventMs + 30_000) * 1_000_000n,
      observedNs: BigInt(eventMs + 30_000) * 1_000_000n,
      traceId: TRACE,
      message: 'payment provider answered 502',
    }),
    logRecord(1, { traceId: 'cccccccccccccccccccccccccccccccc' }),
  ]);
  logs.store.flush();

  const page = await browser.newPage();
  await signIn(page, t.url, TEST_API_KEY, `/issues/${issueId}`);
  const href = new URL((await page.locator('a.trace-logs').getAttribute('href')) ?? '');
  assert.equal(href.origin, logs.url);
  assert.equal(href.searchParams.get('query'), `trace_id:${TRACE}`);
  await signIn(page, logs.url, TEST_API_KEY, href.pathname + href.search);
  assert.equal(new URL(page.url()).searchParams.get('from'), new Date(eventMs - 3_600_000).toISOString());
  const rows = page.locator('[data-log-list] > .log-row');
  assert.equal(await rows.count(), 1);
  assert.match((await rows.first().textContent()) ?? '', /payment provider answered 502/);
});
