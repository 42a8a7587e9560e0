// GET /api/events?trace_id= pages like the other lists: next_cursor while more events of the trace
// exist, passed back as cursor (a trace with a retry loop has hundreds of error events).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

const TRACE = 'aaaabbbbccccddddeeeeffff00001111';
let t: TrackerTest;
const sent: string[] = [];
before(async () => {
  t = await startTracker();
  for (let i = 0; i < 3; i++) sent.push(await sendEvent(t, { fn: `step_${i}`, traceId: TRACE }));
  await sendEvent(t, { fn: 'other_trace', traceId: '0'.repeat(31) + '1' });
  t.drain();
});
after(() => t.close());

type TracePage = { data: { event_id: string }[]; next_cursor: string | null };

test('events of a trace are paged with next_cursor, newest first, to the last one', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = cursor ? `&cursor=${cursor}` : '';
    const res = await api<TracePage>(t, 'GET', `/api/events?trace_id=${TRACE}&limit=1${q}`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.ok('next_cursor' in res.json);
    seen.push(...res.json.data.map((e) => e.event_id));
    cursor = res.json.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...sent].reverse());
  const all = (await api<TracePage>(t, 'GET', `/api/events?trace_id=${TRACE}`)).json;
  assert.equal(all.data.length, 3);
  assert.equal(all.next_cursor, null);
  const bad = await api(t, 'GET', `/api/events?trace_id=${TRACE}&cursor=nonsense`);
  assert.equal(bad.status, 400);
});
