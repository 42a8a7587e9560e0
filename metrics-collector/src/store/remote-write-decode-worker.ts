// Worker thread of RemoteWriteDecoder: undoes the snappy block and walks the WriteRequest into typed
// arrays (with each series' raw-label hash), which go back to the JS thread transferred, not copied.
import { parentPort } from 'node:worker_threads';
import { uncompressSync } from 'snappy';
import { ProtobufError } from '../ingest/remote-write.js';
import { decodeWriteRequest } from '../ingest/remote-write-decode.js';
import type { DecodeReply, DecodeRequest } from './remote-write-decoder.js';
import { hashBytes } from './series-index.js';

const port = parentPort!;

function reply(msg: DecodeReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** A view that owns its whole ArrayBuffer (transferable), copied if it does not. */
function owning(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : new Uint8Array(bytes);
}

port.on('message', ({ id, body }: DecodeRequest) => {
  let raw: Uint8Array;
  try {
    raw = owning(uncompressSync(body, { asBuffer: true, copyOutputData: true }) as Buffer);
  } catch (err) {
    return reply({ id, failure: 'snappy', message: (err as Error).message });
  }
  try {
    const d = decodeWriteRequest(raw, hashBytes);
    const transfer = [d.raw.buffer, d.series.buffer, d.labels.buffer, d.samples.buffer] as ArrayBuffer[];
    if (d.stale) transfer.push(d.stale.buffer as ArrayBuffer);
    reply({ id, decoded: d }, transfer);
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err;
    reply({ id, failure: 'protobuf', message: err.reason, offset: err.offset });
  }
});
