// Frees an ingest request's socket chunks as soon as Fastify has joined them into the body. Node's
// HTTP parser copies each piece of a body into an ArrayBuffer of its own (up to 64 KB, from the
// main malloc arena), and V8 frees such a buffer only when a collection finds it dead: the main
// thread allocates little JavaScript per request, so tens of MB of dead chunks (a 1.2 MB body is ~20
// of them) waited for one. Fastify always copies the chunks into a new body (Buffer.concat), so
// once the body is parsed no one can reach them: they are detached (transferred into a closed
// MessagePort, which frees them at once, as open-blocks.ts releaseBody does for whole bodies).
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const chunksOf = new WeakMap<FastifyRequest, ArrayBuffer[]>();
let sink: MessagePort | undefined;

function release(buffers: ArrayBuffer[]): void {
  if (!sink) {
    const channel = new MessageChannel();
    channel.port2.close();
    sink = channel.port1;
    sink.unref();
  }
  sink.postMessage(null, buffers);
}

/** On routes with `config.ingest`: the body's chunks are released once it is parsed. */
export function releaseIngestBodyChunks(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!request.routeOptions.config?.ingest) return payload;
    const chunks: ArrayBuffer[] = [];
    chunksOf.set(request, chunks);
    const tap = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, next: TransformCallback) {
        // Only buffers the chunk spans alone: a view into a shared or pooled buffer stays.
        const ab = chunk.buffer;
        if (chunk.byteOffset === 0 && ab instanceof ArrayBuffer && ab.byteLength === chunk.byteLength)
          chunks.push(ab);
        next(null, chunk);
      },
    });
    // pipeline() hands an aborted request's error on to the stream Fastify reads (a 400 as before).
    return pipeline(payload, tap, () => {});
  });
  app.addHook('preValidation', async (request) => {
    const chunks = chunksOf.get(request);
    if (!chunks) return;
    chunksOf.delete(request);
    if (chunks.length > 0) release(chunks);
  });
}
