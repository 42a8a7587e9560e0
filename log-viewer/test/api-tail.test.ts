import assert from 'node:assert/strict';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerQueryRoutes } from '../src/http/query-routes.js';
import { type Api, logRecord, startApi, T0 } from './api-helpers.js';
import { collect, openTestStore, rec } from './store-helpers.js';

interface SseEvent {
  event: string;
  data: string;
  id?: string;
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
      const id = /^id: (.*)$/m.exec(block)?.[1];
      if (!block.startsWith(':') && /^(event|data):/m.test(block))
        events.push(id === undefined ? { event, data } : { event, data, id });
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

  it('a client that stops reading, or cannot keep up, loses lines and is told how many', async () => {
    const { port } = new URL(api.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let scanned = 0;
    let dropped = 0;
    let delivered = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      // count complete events only, each once, even when one straddles two chunks
      let end = received.indexOf('\n\n', scanned);
      while (end >= 0) {
        const event = received.slice(scanned, end);
        if (event.startsWith('event: log\n') || event.includes('\nevent: log\n')) delivered++;
        const m = /event: dropped\ndata: \{"dropped":(\d+)\}/.exec(event);
        if (m) dropped = Math.max(dropped, Number(m[1]));
        scanned = end + 2;
        end = received.indexOf('\n\n', scanned);
      }
    });
    const ready = new Promise<void>((resolve) => {
      const check = () => (received.includes('event: ready') ? resolve() : socket.once('data', check));
      socket.once('data', check);
    });
    socket.write(
      `GET /api/logs/tail?query=service:flood HTTP/1.1\r\nHost: x\r\nAuthorization: ${api.headers.authorization}\r\n\r\n`,
    );
    await ready;
    socket.pause(); // the server's writes back up, its queue fills, and the rate limit applies
    const total = 10_000;
    // One batch: the store notifies once, so at most the per-second budget of it can go out.
    await api.store.append(
      Array.from({ length: total }, (_, i) => logRecord(i, { service: 'flood', message: `flood ${i}` })),
    );
    socket.resume();
    while (delivered + dropped < total) await new Promise((r) => socket.once('data', r));
    socket.destroy();
    assert.equal(delivered + dropped, total);
    assert.ok(dropped >= total - 2_000 && delivered > 0, `${delivered} delivered, ${dropped} dropped`);
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

// EventSource reconnects by itself (server restart, proxy idle timeout) and sends the last `id:` it
// saw as Last-Event-ID: the lines that matched meanwhile are replayed before `ready`, in the order
// they arrived; past the bound they are counted as dropped. Black-box finding 4.
describe('GET /api/logs/tail with Last-Event-ID (a reconnect)', () => {
  let api: Api;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  const tail = (lastEventId: string | undefined, until: (evs: SseEvent[]) => boolean) =>
    fetch(`${api.url}/api/logs/tail?query=service:tailsvc&from=1h`, {
      headers: lastEventId === undefined ? api.headers : { ...api.headers, 'last-event-id': lastEventId },
    }).then((res) => {
      assert.equal(res.status, 200);
      return readEvents(res, until);
    });

  it('replays the matching lines appended after the id, oldest first, then goes live', async () => {
    let appended = false;
    const first = await tail(undefined, (evs) => {
      if (!appended && evs.some((e) => e.event === 'ready')) {
        appended = true;
        void api.store.append([logRecord(1, { service: 'tailsvc', message: 'seen before the drop' })]);
      }
      return evs.some((e) => e.event === 'log');
    });
    const lastId = first.find((e) => e.event === 'log')?.id;
    assert.match(lastId ?? '', /^\d+-\d+$/);
    // during the disconnect: two matching lines (the second with an older timestamp) and another service's
    await api.store.append([
      logRecord(5, { service: 'tailsvc', message: 'missed one' }),
      logRecord(6, { service: 'other', message: 'not this tail' }),
      logRecord(0, { service: 'tailsvc', message: 'missed two, older timestamp' }),
    ]);
    let live = false;
    const again = await tail(lastId, (evs) => {
      if (!live && evs.some((e) => e.event === 'ready')) {
        live = true;
        void api.store.append([logRecord(7, { service: 'tailsvc', message: 'live after reconnect' })]);
      }
      return evs.some((e) => e.event === 'log' && JSON.parse(e.data).message === 'live after reconnect');
    });
    const shown = again.map((e) => (e.event === 'log' ? JSON.parse(e.data).message : e.event));
    assert.deepEqual(shown, ['missed one', 'missed two, older timestamp', 'ready', 'live after reconnect']);
    // an id this server never gave (another build, garbage) is ignored, not a 400 EventSource would retry forever
    const odd = await tail('not-an-id', (evs) => evs.some((e) => e.event === 'ready'));
    assert.deepEqual(
      odd.map((e) => e.event),
      ['ready'],
    );
  });

  it('replays a missed line whose timestamp is ahead of the server clock, as the live tail sent it', async () => {
    let last: string | undefined;
    let appended = false;
    await tail(undefined, (evs) => {
      if (!appended && evs.some((e) => e.event === 'ready')) {
        appended = true;
        void api.store.append([logRecord(30, { service: 'tailsvc', message: 'before the skew' })]);
      }
      last = evs.find((e) => e.event === 'log')?.id;
      return last !== undefined;
    });
    // NOW is T0 + 600 s: a sender whose clock runs 100 s ahead, during the disconnect
    await api.store.append([logRecord(700, { service: 'tailsvc', message: 'ahead of the clock' })]);
    const events = await tail(last, (evs) => evs.some((e) => e.event === 'ready'));
    assert.deepEqual(
      events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data).message),
      ['ahead of the clock'],
    );
  });

  it('a last line timed ahead of the clock does not hide the lines that arrived after it', async () => {
    let last: string | undefined;
    let appended = false;
    await tail(undefined, (evs) => {
      if (!appended && evs.some((e) => e.event === 'ready')) {
        appended = true;
        // a sender whose clock runs an hour ahead (NOW is T0 + 600 s)
        void api.store.append([logRecord(4200, { service: 'tailsvc', message: 'an hour ahead' })]);
      }
      last = evs.find((e) => e.event === 'log')?.id;
      return last !== undefined;
    });
    await api.store.append([
      logRecord(590, { service: 'tailsvc', message: 'on time, during the disconnect' }),
    ]);
    const events = await tail(last, (evs) => evs.some((e) => e.event === 'ready'));
    assert.deepEqual(
      events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data).message),
      ['on time, during the disconnect'],
    );
  });

  it('lines more than five minutes behind the last one, or before the window, are counted as dropped', async () => {
    let last: string | undefined;
    let appended = false;
    await tail(undefined, (evs) => {
      if (!appended && evs.some((e) => e.event === 'ready')) {
        appended = true;
        void api.store.append([logRecord(500, { service: 'tailsvc', message: 'last seen' })]);
      }
      last = evs.find((e) => e.event === 'log')?.id;
      return last !== undefined;
    });
    // during the disconnect: a shipper catching up sends lines timed long before the last one seen
    await api.store.append([
      logRecord(450, { service: 'tailsvc', message: 'fifty seconds behind' }),
      logRecord(100, { service: 'tailsvc', message: 'four hundred seconds behind' }),
      logRecord(2, { service: 'tailsvc', message: 'before the window', timeNs: T0 - 4_000_000_000_000n }),
      logRecord(3, {
        service: 'other',
        message: 'another service, far behind',
        timeNs: T0 - 9_000_000_000_000n,
      }),
    ]);
    const events = await tail(last, (evs) => evs.some((e) => e.event === 'ready'));
    assert.deepEqual(
      events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data).message),
      ['fifty seconds behind'],
    );
    const dropped = events.find((e) => e.event === 'dropped');
    assert.deepEqual(JSON.parse(dropped?.data ?? '{}'), { dropped: 2 });
  });

  it('past the replay bound the oldest missed lines are counted as dropped', async () => {
    let anchor: string | undefined;
    let appended = false;
    await tail(undefined, (evs) => {
      if (!appended && evs.some((e) => e.event === 'ready')) {
        appended = true;
        void api.store.append([logRecord(10, { service: 'tailsvc', message: 'anchor' })]);
      }
      anchor = evs.find((e) => e.event === 'log')?.id;
      return anchor !== undefined;
    });
    // one timestamp for the burst: the replay keeps the newest by (time, arrival)
    await api.store.append(
      Array.from({ length: 1_002 }, (_, i) => logRecord(20, { service: 'tailsvc', message: `burst ${i}` })),
    );
    const events = await tail(anchor, (evs) => evs.some((e) => e.event === 'ready'));
    const logs = events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data).message);
    assert.equal(logs.length, 1_000);
    assert.equal(logs[0], 'burst 2');
    assert.equal(logs.at(-1), 'burst 1001');
    const dropped = events.find((e) => e.event === 'dropped');
    assert.deepEqual(JSON.parse(dropped?.data ?? '{}'), { dropped: 2 });
  });
});

// The replay reads within the backlog's budget (500 ms, 2,000 blocks): past it, the lines it did not
// reach are neither replayed nor counted, and the client is told its count is a lower bound.
describe('GET /api/logs/tail with Last-Event-ID, a replay past its budget', () => {
  it('sends the dropped count with lower_bound: true', async () => {
    const t = openTestStore({ blockRows: 50 });
    const app = Fastify();
    let now = 0;
    // each look at the budget's clock is a second later: the scan stops after its first 256 records
    registerQueryRoutes(app, {
      store: t.store,
      db: t.db,
      clock: () => 1_795_635_900_000,
      budgetClock: () => (now += 1_000),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await t.store.append([rec(0, { message: 'anchor' })]);
      const [anchor] = collect(t.store, {});
      await t.store.append(Array.from({ length: 600 }, (_, i) => rec(1 + i)));
      t.store.flush();
      const res = await fetch(
        `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/logs/tail`,
        {
          headers: { 'last-event-id': `${anchor.timeNs}-${anchor.seq}` },
        },
      );
      const events = await readEvents(res, (evs) => evs.some((e) => e.event === 'ready'));
      assert.equal(events.filter((e) => e.event === 'log').length, 256, 'replayed before the budget ran out');
      const dropped = events.find((e) => e.event === 'dropped');
      assert.deepEqual(JSON.parse(dropped?.data ?? '{}'), { dropped: 0, lower_bound: true });
    } finally {
      await app.close();
      await t.store.close();
    }
  });
});
