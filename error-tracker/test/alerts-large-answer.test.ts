// A webhook receiver that answers with an endless body (a mistyped URL pointing at a download) is
// not read: the delivery is recorded from the status line and the connection closed at once. The
// deliverer read the whole answer until its 5 s timeout, 400-600 MB of RSS per delivery that
// stayed (black-box 10 #64).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let sent = 0;
let closed: () => void;
const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
const CHUNK = Buffer.alloc(64 * 1024, 'x');
const receiver = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const pump = () => {
    while (!res.destroyed && res.write(CHUNK)) sent += CHUNK.length;
  };
  res.on('drain', pump);
  res.on('close', closed);
  pump();
});

before(async () => {
  t = await startTracker();
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await t.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

test('an endless webhook answer is not read: delivered from its status, the connection closed', async () => {
  const port = (receiver.address() as AddressInfo).port;
  await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'new_issue',
    url: `http://127.0.0.1:${port}/big`,
  });
  await sendEvent(t, { type: 'BigAnswerError' });
  t.drain();
  const started = performance.now();
  await t.app.errorTracker.deliverer.deliverDue();
  const ms = performance.now() - started;
  await connectionClosed;
  assert.ok(ms < 2000, `delivered in ${Math.round(ms)} ms, not after the 5 s timeout`);
  assert.ok(sent < 16 * 1024 * 1024, `the receiver got to send ${sent} bytes`);
  const log = await api<{ data: { status: string; response_status: number }[] }>(
    t,
    'GET',
    '/api/projects/1/alert-deliveries',
  );
  assert.deepEqual(
    log.json.data.map((d) => [d.status, d.response_status]),
    [['delivered', 200]],
  );
});
