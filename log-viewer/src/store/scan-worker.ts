// Scan helper thread: reads sealed blocks through its own read-only SQLite connection and hands back
// the rows of each block that may hold a needle's tokens, so a text scan over many candidate blocks
// uses the second core. The main thread takes blocks from the front of the scan order and this thread
// from the back, each claiming a block in a shared array before reading it (scan-helper.ts).
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '@flowrent/shared/db';
import { BlockReader } from './block-reader.js';
import { SectionBuffers } from './block-reader-buffers.js';
import { blockDataReader } from './block-db.js';
import type { Row } from './row.js';

export interface ScanJob {
  t: 'scan';
  scan: number;
  /** Int32 slots: one claim per block (0 free, 1 main thread, 2 this thread), then done count, cancel flag. */
  claims: SharedArrayBuffer;
  blocks: { id: number; service: string }[];
  tokens: string[];
}

export interface ScanRows {
  t: 'rows';
  scan: number;
  index: number;
  /** The block's candidate rows; null when the main thread must read the block itself. */
  rows: Row[] | null;
}

export const CLAIM_MAIN = 1;
export const CLAIM_HELPER = 2;
/** More candidate rows than this in a block: not worth copying across, the main thread reads it. */
export const MAX_HELPER_ROWS = 256;

/** The rows of one block that may hold every token, or null (too many, or the block cannot tell). */
export function candidateRows(reader: BlockReader, tokens: string[]): Row[] | null {
  const hits = reader.mayContain(tokens);
  if (!hits) return null;
  const rows: Row[] = [];
  for (let i = 0; i < hits.length; i++) {
    if (hits[i] === 0) continue;
    if (rows.length === MAX_HELPER_ROWS) return null;
    rows.push(reader.row(i));
  }
  return rows;
}

if (parentPort && workerData?.scanHelper) {
  const { file, port } = workerData as { file: string; port: MessagePort };
  const db = openDatabase(file, { readonly: true });
  const read = blockDataReader(db);
  const buffers = new SectionBuffers();
  port.on('message', (job: ScanJob) => {
    const claims = new Int32Array(job.claims);
    const n = job.blocks.length;
    for (let i = n - 1; i >= 0; i--) {
      if (Atomics.load(claims, n + 1) !== 0) break; // the scan ended
      if (Atomics.compareExchange(claims, i, 0, CLAIM_HELPER) !== 0) break; // the main thread got here
      let rows: Row[] | null = null;
      try {
        const data = read(job.blocks[i].id);
        if (data) rows = candidateRows(new BlockReader(data, job.blocks[i].service, buffers), job.tokens);
      } catch {
        rows = null; // the main thread reads it and reports what is wrong
      }
      port.postMessage({ t: 'rows', scan: job.scan, index: i, rows } satisfies ScanRows);
      Atomics.add(claims, n, 1);
      Atomics.notify(claims, n);
    }
  });
  port.postMessage({ t: 'ready' });
}
