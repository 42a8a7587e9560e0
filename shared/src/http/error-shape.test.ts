// Every error a service answers has the one body {"error": {"code", "message"}}: also those Fastify
// produces before routing (bad URL, overlong path parameter), those Node's HTTP parser produces before
// Fastify sees a request (headers too large, garbage), and the 503 of a request met while closing.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from '../metrics.js';
import { createServiceApp } from './app.js';
import { rawExchange } from '../testing.js';
import { handleClientError } from './error-handler.js';

const API_KEY = 'admin-key-0123456789';

function newApp(): FastifyInstance {
  const app = createServiceApp({
    service: { name: 'test', version: '1' },
    config: { API_KEY, LOG_LEVEL: 'silent' },
    registry: new Registry(),
    isReady: () => true,
    logger: false,
  });
  app.get('/things/:id', { config: { auth: 'public' } }, async (request) => request.params);
  return app;
}

let app: FastifyInstance;
let port: number;
before(async () => {
  app = newApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
after(() => app.close());

/** A GET with the path sent as is (fetch would normalize it). */
function get(path: string): Promise<{ status: number; type: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers['content-type'] ?? '',
          json: JSON.parse(text),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function shapeOf(json: unknown): string {
  const error = (json as { error?: { code?: unknown; message?: unknown } }).error;
  assert.equal(typeof error?.message, 'string', JSON.stringify(json));
  assert.deepEqual(Object.keys(json as object), ['error']);
  return String(error?.code);
}

test('a path that is not valid percent-encoding gets 400 in the error shape', async () => {
  const res = await get('/%%');
  assert.equal(res.status, 400);
  assert.match(res.type, /^application\/json/);
  assert.equal(shapeOf(res.json), 'bad_request');
});

test('a path parameter over the router limit gets 414 in the error shape, without echoing it', async () => {
  const res = await get(`/things/${'1'.repeat(1000)}`);
  assert.equal(res.status, 414);
  assert.equal(shapeOf(res.json), 'too_large');
  assert.match(JSON.stringify(res.json), /100-character limit/);
  assert.doesNotMatch(JSON.stringify(res.json), /1111111111/);
  assert.equal((await get(`/things/${'1'.repeat(100)}`)).status, 200);
});

test('headers over the size limit (a 70 KB query string) get 431 in the error shape', async () => {
  const response = await rawExchange(
    port,
    `GET /things/1?q=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  );
  const [head, body] = response.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1.1 431 /);
  assert.match(head, /content-type: application\/json/i);
  const json = JSON.parse(body);
  assert.equal(shapeOf(json), 'too_large');
  assert.deepEqual(json.error.details, { limit: 'request headers', limit_bytes: 16384 });
});

test('bytes that are not HTTP get 400 in the error shape', async () => {
  const response = await rawExchange(port, 'HELLO THERE\r\n\r\n');
  const [head, body] = response.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1.1 400 /);
  assert.equal(shapeOf(JSON.parse(body)), 'bad_request');
});

test('a request that arrives while the server closes gets 503 in the error shape', async () => {
  const closingApp = newApp();
  let entered!: () => void;
  const slowEntered = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  closingApp.get('/slow', { config: { auth: 'public' } }, async () => {
    entered();
    await released;
    return { done: true };
  });
  let closeBegan!: () => void;
  const closing = new Promise<void>((resolve) => {
    closeBegan = resolve;
  });
  closingApp.addHook('preClose', async () => closeBegan());
  await closingApp.listen({ port: 0, host: '127.0.0.1' });
  const socket = connect((closingApp.server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (c) => {
    text += c;
  });
  // A kept-alive connection busy with a slow request when close() begins; its next request arrives after.
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await slowEntered;
  const closed = closingApp.close();
  await closing;
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  // The server reads the second request while the first is still in flight: await its onRequest.
  await new Promise<void>((resolve) => closingApp.server.once('request', () => setImmediate(resolve)));
  release();
  await once(socket, 'close');
  await closed;
  const responses = text.split(/(?=HTTP\/1.1 )/);
  assert.equal(responses.length, 2, text);
  assert.match(responses[0], /^HTTP\/1.1 200 /);
  assert.match(responses[1], /^HTTP\/1.1 503 /);
  assert.match(responses[1], /connection: close/i);
  assert.equal(shapeOf(JSON.parse(responses[1].split('\r\n\r\n')[1])), 'unavailable');
});

test('a request that times out gets 408 and its connection closes: bytes sent after it are not served', async () => {
  // Fastify with our client-error handler and short timeouts (a service has headersTimeout 60 s).
  const timeoutApp = Fastify({
    logger: false,
    clientErrorHandler: handleClientError,
    http: { connectionsCheckingInterval: 10 },
  });
  timeoutApp.server.headersTimeout = 50;
  await timeoutApp.listen({ port: 0, host: '127.0.0.1' });
  let parsed = 0;
  timeoutApp.server.on('request', () => {
    parsed++;
  });
  const serverSocket = once(timeoutApp.server, 'connection');
  const socket = connect({
    port: (timeoutApp.server.address() as AddressInfo).port,
    host: '127.0.0.1',
    allowHalfOpen: true,
  });
  await once(socket, 'connect');
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  const [server] = (await serverSocket) as [Socket];
  const serverClosed = once(server, 'close');
  socket.write('POST /things HTTP/1.1\r\nHost: x\r\n');
  const [text] = (await once(socket, 'data')) as [string];
  // A slow client goes on sending: the rest of its headers and its body.
  if (!socket.destroyed) socket.end('Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  await serverClosed;
  await timeoutApp.close();
  assert.match(text, /^HTTP\/1.1 408 /);
  assert.equal(parsed, 0, 'the request completed after the 408 reached the application');
});
