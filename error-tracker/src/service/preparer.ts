// Runs preparePayload() inline or on a small pool of worker threads (INGEST_WORKERS). Requests
// that arrive while a worker is busy go to it together in one message, and it answers each as
// soon as it is prepared (results cross back as structured clones; Buffers arrive as Uint8Arrays
// and are rewrapped). A worker holds up to two messages: when it finishes one, the next is already
// there, instead of idling for a round trip through the main thread.
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { Unavailable } from '@flowrent/shared/errors';
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
/** Requests per message at most (bounds the memory a worker holds). */
const MAX_JOBS_PER_MESSAGE = 16;
/** Messages a worker holds at once: the one it prepares and the next. */
const MAX_MESSAGES_PER_WORKER = 2;

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

/** The worker's answers: one per input, in the order of the inputs; one message may hold several. */
export type Reply = { ok: true; result: PreparedPayload } | { ok: false; error: SerializedError };
interface Job {
  input: PrepareInput;
  resolve: (p: PreparedPayload) => void;
  reject: (e: Error) => void;
}
interface Slot {
  worker: Worker;
  /** Jobs sent to the worker and not answered yet, in the order it answers them. */
  out: Job[];
  /** How many of `out` each message in the worker still holds, oldest first. */
  messages: number[];
}

/** `spawn` starts one ingest worker (tests pass a stand-in). */
export function workerPreparer(
  size: number,
  spawn: () => Worker = () => spawnWorker('prepare-worker', { resourceLimits: WORKER_LIMITS }),
): Preparer {
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let closed = false;
  // a worker that keeps dying (e.g. cannot load) is given up: preparation continues inline
  let respawns = 0;
  let broken = false;
  const inline = inlinePreparer();

  /** Hands what waits to workers with room, the least loaded first, shared evenly. */
  const dispatch = () => {
    if (broken) {
      for (const job of queue.splice(0)) inline.prepare(job.input).then(job.resolve, job.reject);
      return;
    }
    while (queue.length > 0) {
      let slot: Slot | null = null;
      let room = 0;
      for (const s of slots) {
        if (s.messages.length >= MAX_MESSAGES_PER_WORKER) continue;
        room++;
        if (!slot || s.messages.length < slot.messages.length) slot = s;
      }
      if (!slot) return;
      const jobs = queue.splice(0, Math.min(MAX_JOBS_PER_MESSAGE, Math.ceil(queue.length / room)));
      slot.out.push(...jobs);
      slot.messages.push(jobs.length);
      slot.worker.postMessage(jobs.map((j) => j.input));
    }
  };

  const start = (index: number) => {
    const worker = spawn();
    const slot: Slot = { worker, out: [], messages: [] };
    worker.on('message', (replies: Reply[]) => {
      if (slots[index] !== slot) return; // from a worker that was replaced
      let freed = false;
      for (const reply of replies) {
        const job = slot.out.shift();
        if (!job) break;
        if (reply.ok) job.resolve(rewrap(reply.result));
        else job.reject(deserializeError(reply.error));
        if (--slot.messages[0] === 0) {
          slot.messages.shift();
          freed = true;
        }
      }
      if (freed) dispatch();
    });
    let dead = false;
    const fail = (err: Error) => {
      if (dead) return; // 'error' is followed by 'exit'
      dead = true;
      // the first unanswered request is the one the worker was preparing: a 503 asks its client
      // to send it again (nothing of it was stored); the others were not started and wait for
      // the successor (preparing has no side effects, so one begun twice does no harm)
      const [held, ...notStarted] = slot.out;
      slot.out = [];
      slot.messages = [];
      const failure = new Unavailable(`the ingest worker stopped (${err.message}); retry`, 1);
      held?.reject(failure);
      if (closed) {
        for (const job of notStarted) job.reject(failure);
        return;
      }
      queue.unshift(...notStarted);
      if (++respawns > MAX_RESPAWNS) broken = true;
      else start(index);
      dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!closed) fail(new Error(`prepare worker exited with code ${code}`));
    });
    slots[index] = slot;
  };
  for (let i = 0; i < size; i++) start(i);

  return {
    prepare(input) {
      if (broken) return inline.prepare(input);
      return new Promise((resolve, reject) => {
        queue.push({ input, resolve, reject });
        dispatch();
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
