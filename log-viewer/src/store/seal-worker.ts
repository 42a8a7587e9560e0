// Ingest worker thread: parses request bodies into rows and turns open rows into encoded blocks
// (tokenizing, bloom filter, column encoding, zstd), off the main thread. A body is parsed once,
// here: the main thread writes the body itself to the inbox, numbers the rows (commit) and keeps only
// a summary. The worker holds the open rows of its streams and seals a stream's rows up to a seq on
// request; the main thread inserts the result into SQLite.
import { parentPort } from 'node:worker_threads';
import type { BodyKind } from '../ingest/body-parsers.js';
import type { BulkItem } from '../ingest/elasticsearch-bulk.js';
import { type EncodedBlock, encodeBlock } from './block-codec.js';
import { type BatchSummary, parseBodyRows, summarizeRows } from './body-rows.js';
import { decodeRows } from './inbox.js';
import type { Row } from './row.js';

export type SealRequest =
  | { t: 'parse'; id: number; kind: BodyKind; body: Uint8Array; nowNs: bigint }
  | { t: 'commit'; id: number; stream: string; seqBase: number }
  | { t: 'abort'; id: number }
  | { t: 'rows'; stream: string; payload: string }
  | { t: 'seal'; stream: string; uptoSeq: number; blockRows: number }
  | { t: 'drop'; stream: string; uptoSeq: number };

/** An error thrown by a parser, as it crosses the thread boundary. */
export interface WorkerError {
  name: string;
  message: string;
  status?: number;
  details?: unknown;
}

export type SealReply =
  | {
      t: 'parsed';
      id: number;
      summary: BatchSummary;
      rejected: number;
      errors: string[];
      items?: BulkItem[];
    }
  | { t: 'parse-failed'; id: number; error: WorkerError }
  | { t: 'sealed'; stream: string; uptoSeq: number; blocks: EncodedBlock[] }
  | { t: 'error'; message: string };

const open = new Map<string, Row[]>();
/** Parsed bodies waiting for their seqs (the main thread commits them once they are in the inbox). */
const parked = new Map<number, Row[]>();

function openRows(stream: string): Row[] {
  let list = open.get(stream);
  if (!list) {
    list = [];
    open.set(stream, list);
  }
  return list;
}

function takePrefix(stream: string, uptoSeq: number): Row[] {
  const rows = open.get(stream) ?? [];
  let n = 0;
  while (n < rows.length && rows[n].seq <= uptoSeq) n++;
  const taken = rows.slice(0, n);
  if (n === rows.length) open.delete(stream);
  else open.set(stream, rows.slice(n));
  return taken;
}

function post(reply: SealReply): void {
  // Copied, not transferred: small Buffers may share Node's pool, which must not be detached.
  parentPort!.postMessage(reply);
}

function handle(msg: SealRequest): void {
  if (msg.t === 'parse') {
    let parsed: ReturnType<typeof parseBodyRows>;
    try {
      parsed = parseBodyRows(msg.kind, msg.body, msg.nowNs, 0);
    } catch (err) {
      const e = err as Error & { status?: number; details?: unknown };
      post({
        t: 'parse-failed',
        id: msg.id,
        error: { name: e.name, message: e.message, status: e.status, details: e.details },
      });
      return;
    }
    if (parsed.rows.length > 0) parked.set(msg.id, parsed.rows);
    post({
      t: 'parsed',
      id: msg.id,
      summary: summarizeRows(parsed.rows),
      rejected: parsed.rejected,
      errors: parsed.errors,
      items: parsed.items,
    });
  } else if (msg.t === 'commit') {
    const rows = parked.get(msg.id);
    if (!rows) return;
    parked.delete(msg.id);
    const list = openRows(msg.stream);
    for (let i = 0; i < rows.length; i++) {
      rows[i].seq = msg.seqBase + i;
      list.push(rows[i]);
    }
  } else if (msg.t === 'abort') {
    parked.delete(msg.id);
  } else if (msg.t === 'rows') {
    const list = openRows(msg.stream);
    for (const row of decodeRows(msg.payload)) list.push(row);
  } else if (msg.t === 'drop') {
    takePrefix(msg.stream, msg.uptoSeq);
  } else {
    const rows = takePrefix(msg.stream, msg.uptoSeq);
    const blocks: EncodedBlock[] = [];
    for (let i = 0; i < rows.length; i += msg.blockRows)
      blocks.push(encodeBlock(rows.slice(i, i + msg.blockRows)));
    post({ t: 'sealed', stream: msg.stream, uptoSeq: msg.uptoSeq, blocks });
  }
}

parentPort?.on('message', (msg: SealRequest) => {
  try {
    handle(msg);
  } catch (err) {
    post({ t: 'error', message: (err as Error).message });
  }
});
