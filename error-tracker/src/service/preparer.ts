// Runs preparePayload() inline or on a small pool of worker threads (INGEST_WORKERS). Requests
// that arrive while a worker is busy wait here and go to it together in one message when it
// replies, and so do those that arrive in one event-loop turn while it is idle (sent at the turn's
// end); it answers each message in one message (results cross back as structured clones; Buffers
// arrive as Uint8Arrays and are rewrapped): under load a message and a thread wake-up each way
// serve several requests, and their results reach the group commit together.
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
/** Requests per message at most: every request of a message waits for all of them (~0.3 ms of the
 * worker's CPU each), and past a few the message's cost per request hardly falls. */
const MAX_JOBS_PER_MESSAGE = 16;

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

/** The worker's answer to one message: one reply per input, in order. */
export type Reply = { ok: true; result: PreparedPayload } | { ok: false; error: SerializedError };
interface Job {
  input: PrepareInput;
  resolve: (p: PreparedPayload) => void;
  reject: (e: Error) => void;
}
interface Slot {
  worker: Worker;
  /** The jobs of the message the worker is preparing; null while it is idle. */
  out: Job[] | null;
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
  /** A dispatch is due at the end of this event-loop turn. */
  let dispatchDue = false;

  /** Hands what waits to idle workers, shared evenly. */
  const dispatch = () => {
    if (broken) {
      for (const job of queue.splice(0)) inline.prepare(job.input).then(job.resolve, job.reject);
      return;
    }
    let idle = 0;
    for (const s of slots) if (s.out === null) idle++;
    for (const slot of slots) {
      if (queue.length === 0 || idle === 0) return;
      if (slot.out !== null) continue;
      const jobs = queue.splice(0, Math.min(MAX_JOBS_PER_MESSAGE, Math.ceil(queue.length / idle--)));
      slot.out = jobs;
      slot.worker.postMessage(jobs.map((j) => j.input));
    }
  };

  const start = (index: number) => {
    const worker = spawn();
    const slot: Slot = { worker, out: null };
    worker.on('message', (replies: Reply[]) => {
      const jobs = slot.out ?? [];
      slot.out = null;
      jobs.forEach((job, i) => {
        const reply = replies[i];
        if (reply.ok) job.resolve(rewrap(reply.result));
        else job.reject(deserializeError(reply.error));
      });
      dispatch();
    });
    let dead = false;
    const fail = (err: Error) => {
      if (dead) return; // 'error' is followed by 'exit'
      dead = true;
      // nothing of these requests was stored: a 503 asks the client to send them again
      const failure = new Unavailable(`the ingest worker stopped (${err.message}); retry`, 1);
      for (const job of slot.out ?? []) job.reject(failure);
      slot.out = null;
      if (closed) return;
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

  /** Requests the HTTP layer parses in one turn (the sockets one poll found readable) reach an
   * idle worker in one message at the turn's end, not the first alone at once and the rest when it
   * replies: a message and a wake-up each way, a commit and a sync fewer. On a quiet machine a
   * turn holds one request and this changes nothing; when the process waits for a core, requests
   * pile up between turns and the 8 bench clients' convoys of 1 + 7 became one message
   * (README Benchmark, seventh session). */
  const dispatchAtTurnEnd = () => {
    if (dispatchDue) return;
    dispatchDue = true;
    setImmediate(() => {
      dispatchDue = false;
      dispatch();
    });
  };

  return {
    prepare(input) {
      if (broken) return inline.prepare(input);
      return new Promise((resolve, reject) => {
        queue.push({ input, resolve, reject });
        dispatchAtTurnEnd();
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
