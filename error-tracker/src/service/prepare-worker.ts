// Worker thread running preparePayload() for the accept path, so JSON parsing, grouping and
// compression use another core while the main thread serves HTTP and writes SQLite.
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { type PrepareInput, preparePayload, serializeError } from './prepare-payload.js';

const newEventId = () => randomUUID().replaceAll('-', '');

parentPort?.on('message', (msg: { id: number; input: PrepareInput }) => {
  try {
    const input = {
      ...msg.input,
      body: Buffer.from(msg.input.body.buffer, msg.input.body.byteOffset, msg.input.body.byteLength),
    };
    const result = preparePayload(input, newEventId);
    // payloads own their ArrayBuffers (store/codec.ts): moved to the main thread, not copied
    const transfer = result.entries.map((e) => e.payload.buffer as ArrayBuffer);
    parentPort?.postMessage({ id: msg.id, ok: true, result }, transfer);
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, ok: false, error: serializeError(err) });
  }
});
