import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, logRecord, startApi } from './api-helpers.js';

interface SseEvent {
  event: string;
  data: string;
}

/** Reads SSE events from a fetch body until `until` says stop. */
async function readEvents(res: Response, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      if (!block.startsWith(':') && /^(event|data):/m.test(block)) events.push({ event, data });
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

describe('GET /api/logs/tail (Server-Sent Events)', () => {
  let api: Api;
  before(async () => {
    api = await startApi();
    await api.store.append([logRecord(1, { message: 'old payment line', service: 'payments' })]);
  });
  after(() => api.close());

  it('sends the backlog, then matching records as they are appended, and nothing else', async () => {
    const controller = new AbortController();
    const res = await fetch(`${api.url}/api/logs/tail?query=service:payments&backlog=10&from=1h`, {
      headers: api.headers,
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    let appended = false;
    const events = await readEvents(res, (evs) => {
      if (!appended && evs.some((e) => e.event === 'ready')) {
        appended = true;
        void api.store.append([
          logRecord(2, { service: 'checkout', message: 'not for this tail' }),
          logRecord(3, { service: 'payments', message: 'live payment line' }),
        ]);
      }
      return evs.filter((e) => e.event === 'log').length >= 2;
    });
    controller.abort();
    const logs = events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data).message);
    assert.deepEqual(logs, ['old payment line', 'live payment line']);
  });

  it('answers 400 for a malformed query before streaming', async () => {
    const res = await fetch(`${api.url}/api/logs/tail?query=${encodeURIComponent('(')}`, {
      headers: api.headers,
    });
    assert.equal(res.status, 400);
    await res.body?.cancel();
  });

  it('requires the admin key', async () => {
    const res = await fetch(`${api.url}/api/logs/tail`);
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });
});
