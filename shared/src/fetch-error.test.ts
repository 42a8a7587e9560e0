import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { fetchErrorMessage } from './fetch-error.js';

/** A loopback port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a refused connection names its cause after "fetch failed"', async () => {
  const port = await closedPort();
  const err = await fetch(`http://127.0.0.1:${port}/`).then(
    () => assert.fail('fetch to a closed port resolved'),
    (e: unknown) => e,
  );
  assert.equal(fetchErrorMessage(err), `fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`);
});

test('a code missing from the cause message is put before it; other errors keep their message', () => {
  const withCode = Object.assign(new Error('getaddrinfo failed'), { code: 'ENOTFOUND' });
  assert.equal(
    fetchErrorMessage(new TypeError('fetch failed', { cause: withCode })),
    'fetch failed: ENOTFOUND getaddrinfo failed',
  );
  assert.equal(fetchErrorMessage(new Error('plain')), 'plain');
  assert.equal(fetchErrorMessage('text'), 'text');
});
