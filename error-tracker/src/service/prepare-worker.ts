// Worker thread running preparePayload() for the accept path, so JSON parsing, grouping and
// compression use another core while the main thread serves HTTP and writes SQLite. Each message
// holds the requests that waited for this worker (service/preparer.ts); one reply answers them all.
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { type PrepareInput, preparePayload, serializeError } from './prepare-payload.js';
import type { Reply } from './preparer.js';

const newEventId = () => randomUUID().replaceAll('-', '');

parentPort?.on('message', (inputs: PrepareInput[]) => {
  const replies: Reply[] = [];
  // payloads own their ArrayBuffers (store/codec.ts): moved to the main thread, not copied
  const transfer: ArrayBuffer[] = [];
  for (const received of inputs) {
    try {
      const body = received.body;
      const input = { ...received, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
      const result = preparePayload(input, newEventId);
      for (const e of result.entries) transfer.push(e.payload.buffer as ArrayBuffer);
      replies.push({ ok: true, result });
    } catch (err) {
      replies.push({ ok: false, error: serializeError(err) });
    }
  }
  parentPort?.postMessage(replies, transfer);
});
