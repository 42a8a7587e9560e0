// Ingest requests count against INGEST_MAX_IN_FLIGHT and INGEST_MAX_BUFFERED_BYTES from their
// first byte, before their body is read: concurrent large uploads were each buffered whole first
// and only then counted (black-box #12: 40 uploads of 19 MB, 2 GB of RSS). A request past either
// limit gets its 429 (every category, Connection: close) without its body being read; a chunked
// body is counted as it arrives; a slot and its bytes come back when the request is answered or
// its connection drops. Real server on 127.0.0.1 port 0, raw sockets to hold bodies half sent.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let port = 0;
before(async () => {
  t = await startTracker({ INGEST_MAX_IN_FLIGHT: '3', INGEST_MAX_BUFFERED_BYTES: '1MB' });
  port = Number(new URL(t.url).port);
});
after(async () => t.close());

const PATH = '/api/1/envelope/?sentry_key=publickey';
const KB = 1024;

/** A request whose headers (and `bodyPart`) are sent and whose body is held; `answer` is the
 * status line and headers of whatever the server answers, if it does. */
function hold(headers: string, bodyPart = ''): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(`POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n${bodyPart}`);
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => {});
  });
  return { socket, answer };
}

/** Resolves once the server holds `requests` ingest requests (admitted or let go). */
async function settled(requests: number): Promise<void> {
  const ingest = t.app.errorTracker.ingest;
  for (let turns = 0; ingest.requestsInFlight.requests !== requests; turns++) {
    assert.ok(turns < 10_000, `${ingest.requestsInFlight.requests} requests in flight, not ${requests}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const envelope = (padding: number) =>
  `{}\n{"type":"attachment","length":${padding}}\n${'x'.repeat(padding)}\n`;

test('past the byte budget, a request with a Content-Length is refused before its body is sent', async () => {
  const big = hold(`Content-Length: ${800 * KB}\r\n`, 'x'.repeat(KB));
  await settled(1);
  const refused = hold(`Content-Length: ${800 * KB}\r\n`); // not one body byte sent
  const answer = await refused.answer;
  assert.match(answer, /^HTTP\/1\.1 429/);
  assert.match(answer, /x-sentry-rate-limits: 1::organization:backpressure/i);
  assert.match(answer, /connection: close/i);
  assert.match(answer, /x-sentry-error: too many request bytes in flight/i);
  // a small one still fits beside the held 800 KB
  const small = await send(`${t.url}${PATH}`, { body: envelope(KB) });
  assert.equal(small.status, 200);
  big.socket.destroy(); // the client goes away: its slot and bytes come back
  await settled(0);
  const again = await send(`${t.url}${PATH}`, { body: envelope(800 * KB) });
  assert.equal(again.status, 200, again.body);
});

test('a chunked body is counted as it arrives and refused once past the budget', async () => {
  const big = hold(`Content-Length: ${800 * KB}\r\n`, 'x'.repeat(KB));
  await settled(1);
  const chunk = 'y'.repeat(100 * KB);
  const chunked = hold('Transfer-Encoding: chunked\r\n');
  for (let i = 0; i < 4; i++) chunked.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  assert.match(await chunked.answer, /^HTTP\/1\.1 429/);
  big.socket.destroy();
  await settled(0);
  const alone = await send(`${t.url}${PATH}`, { body: envelope(900 * KB), chunked: true });
  assert.equal(alone.status, 200, 'alone, a request is taken whatever its size');
});

test('past INGEST_MAX_IN_FLIGHT, requests are refused before their body is read', async () => {
  const held = [1, 2, 3].map(() => hold(`Content-Length: ${10 * KB}\r\n`, 'x'));
  await settled(3);
  const refused = hold(`Content-Length: ${10 * KB}\r\n`);
  const answer = await refused.answer;
  assert.match(answer, /^HTTP\/1\.1 429/);
  assert.match(answer, /x-sentry-error: too many requests in flight/i);
  for (const h of held) h.socket.destroy();
  await settled(0);
  assert.equal((await send(`${t.url}${PATH}`, { body: envelope(KB) })).status, 200);
});
