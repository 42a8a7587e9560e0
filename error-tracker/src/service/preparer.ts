// Runs preparePayload() inline or on a small pool of worker threads (INGEST_WORKERS). Results
// cross back as structured clones; Buffers arrive as Uint8Arrays and are rewrapped.
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import {
  deserializeError,
  type PrepareInput,
  type PreparedPayload,
  preparePayload,
  type SerializedError,
} from './prepare-payload.js';
import { spawnWorker } from './spawn-worker.js';

// A small young generation keeps the worker's footprint low; events are at most 1 MiB each.
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };
const MAX_RESPAWNS = 20;

export interface Preparer {
  prepare(input: PrepareInput): Promise<PreparedPayload>;
  close(): Promise<void>;
}

export function inlinePreparer(newEventId = () => randomUUID().replaceAll('-', '')): Preparer {
  return {
    prepare: async (input) => preparePayload(input, newEventId),
    close: async () => {},
  };
}

type Reply =
  | { id: number; ok: true; result: PreparedPayload }
  | { id: number; ok: false; error: SerializedError };
interface Pending {
  resolve: (p: PreparedPayload) => void;
  reject: (e: Error) => void;
}

export function workerPreparer(size: number): Preparer {
  const slots: { worker: Worker; pending: Map<number, Pending> }[] = [];
  let nextId = 0;
  let closed = false;
  // a worker that keeps dying (e.g. cannot load) is given up: preparation continues inline
  let respawns = 0;
  let broken = false;
  const inline = inlinePreparer();

  const spawn = (index: number) => {
    const worker = spawnWorker('prepare-worker', { resourceLimits: WORKER_LIMITS });
    const pending = new Map<number, Pending>();
    worker.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(rewrap(reply.result));
      else p.reject(deserializeError(reply.error));
    });
    let dead = false;
    const fail = (err: Error) => {
      if (dead) return; // 'error' is followed by 'exit'
      dead = true;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      if (closed) return;
      if (++respawns > MAX_RESPAWNS) broken = true;
      else spawn(index);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!closed) fail(new Error(`prepare worker exited with code ${code}`));
    });
    slots[index] = { worker, pending };
  };
  for (let i = 0; i < size; i++) spawn(i);

  return {
    prepare(input) {
      if (broken) return inline.prepare(input);
      // the least busy worker
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, input });
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function rewrap(result: PreparedPayload): PreparedPayload {
  for (const e of result.entries) {
    const u8 = e.payload as Uint8Array;
    e.payload = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  return result;
}
