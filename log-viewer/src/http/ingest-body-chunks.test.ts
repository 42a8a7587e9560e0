import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { after, before, test } from 'node:test';
import { Registry } from '@flowrent/shared/metrics';
import { createServiceApp } from '@flowrent/shared/http';
import type { FastifyInstance } from 'fastify';
import { releaseIngestBodyChunks } from './ingest-body-chunks.js';

let app: FastifyInstance;
let base: string;
/** The chunks each request's body arrived in, seen by a preParsing hook that runs first. */
const seen: Buffer[][] = [];

before(async () => {
  app = createServiceApp({
    service: { name: 'test', version: '0' },
    config: { API_KEY: 'k', LOG_LEVEL: 'silent' },
    registry: new Registry(),
    isReady: () => true,
    logger: false,
  });
  app.addHook('preParsing', async (_request, _reply, payload) => {
    const chunks: Buffer[] = [];
    seen.push(chunks);
    return payload.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, next) {
          chunks.push(chunk);
          next(null, chunk);
        },
      }),
    );
  });
  releaseIngestBodyChunks(app);
  const ingest = { maxBodyBytes: 4 << 20, maxDecodedBytes: 4 << 20 };
  const answer = (request: { body: unknown }) => {
    const body = request.body as Buffer;
    return { bytes: body.length, sum: body.reduce((s, b) => s + b, 0) };
  };
  app.post('/ingest', { config: { auth: 'public', ingest } }, async (request) => answer(request));
  app.post('/other', { config: { auth: 'public', rawBody: true } }, async (request) => answer(request));
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(() => app.close());

function body(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31) & 0xff;
  return b;
}

test('an ingest body arrives whole and its socket chunks are freed once it is parsed', async () => {
  const sent = body(1_200_000);
  const res = await fetch(`${base}/ingest`, { method: 'POST', body: sent });
  assert.deepEqual(await res.json(), { bytes: sent.length, sum: sent.reduce((s, b) => s + b, 0) });
  const chunks = seen.at(-1)!;
  assert.ok(chunks.length > 2, `${chunks.length} chunks`);
  assert.ok(
    chunks.every((c) => c.buffer.byteLength === 0),
    'every chunk detached',
  );
});

test('bodies of other routes keep their chunks (no ingest config)', async () => {
  const sent = body(300_000);
  const res = await fetch(`${base}/other`, { method: 'POST', body: sent });
  assert.deepEqual(await res.json(), { bytes: sent.length, sum: sent.reduce((s, b) => s + b, 0) });
  assert.ok(seen.at(-1)!.every((c) => c.buffer.byteLength > 0));
});

test('a request cut off mid-body gets no answer and leaves the server serving', async () => {
  await new Promise<void>((resolve) => {
    const req = request(`${base}/ingest`, { method: 'POST', headers: { 'content-length': '100000' } });
    req.on('error', () => resolve());
    req.write(body(50_000), () => req.destroy());
    req.on('close', () => resolve());
  });
  const sent = body(70_000);
  const res = await fetch(`${base}/ingest`, { method: 'POST', body: sent });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { bytes: number }).bytes, sent.length);
});
