// Worker thread running preparePayload() for the accept path, so JSON parsing, grouping and
// compression use another core while the main thread serves HTTP and writes SQLite. Each message
// holds the requests that waited for this worker (service/preparer.ts); each is answered as soon as
// it is prepared, so its commit does not wait for the rest of the message.
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { type PrepareInput, preparePayload, serializeError } from './prepare-payload.js';
import type { Reply } from './preparer.js';

const newEventId = () => randomUUID().replaceAll('-', '');

parentPort?.on('message', (inputs: PrepareInput[]) => {
  for (const received of inputs) {
    let reply: Reply;
    // payloads own their ArrayBuffers (store/codec.ts): moved to the main thread, not copied
    const transfer: ArrayBuffer[] = [];
    try {
      const body = received.body;
      const input = { ...received, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
      const result = preparePayload(input, newEventId);
      for (const e of result.entries) transfer.push(e.payload.buffer as ArrayBuffer);
      reply = { ok: true, result };
    } catch (err) {
      reply = { ok: false, error: serializeError(err) };
    }
    parentPort?.postMessage([reply], transfer);
  }
});
