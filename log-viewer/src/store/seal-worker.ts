// Ingest worker thread: parses request bodies into rows and turns open rows into encoded blocks
// (tokenizing, bloom filter, column encoding, zstd), off the main thread. A body is parsed here on
// the ingest path: the main thread writes the body itself to the inbox, numbers the rows (commit) and
// keeps a summary (it parses the body again only for a query of open rows, the live tail or a seal
// on that thread). The worker holds the open rows of its streams and seals a stream's rows up to a seq on
// request; the main thread inserts the result into SQLite.
import type { LokiStreams } from '../ingest/loki.js';
import { parentPort, workerData } from 'node:worker_threads';
import type { BodyKind, BodyOptions } from '../ingest/body-parsers.js';
import type { BulkItem } from '../ingest/elasticsearch-bulk.js';
import { blockEnd, type EncodedBlock, encodeColumns } from './block-codec.js';
import { type BatchSummary, type BodyColumns, parseBodyColumns, summarizeColumns } from './body-rows.js';
import { decodeRows } from './inbox.js';
import { releaseOwned } from './open-blocks.js';
import { warmUpIngest } from './ingest-warm-up.js';
import { RowColumns } from './row-columns.js';

/** What the main thread hands a worker at start (SealClient). */
export interface SealWorkerData {
  /** Run the JIT warm-up (ingest-warm-up.ts); off in most tests, where it costs ~1 s of CPU per worker. */
  warmUp: boolean;
}

export type SealRequest =
  /** moved: the body's ArrayBuffer was transferred here; the reply hands it back. */
  | {
      t: 'parse';
      id: number;
      kind: BodyKind;
      body: Uint8Array;
      nowNs: bigint;
      moved: boolean;
      options?: BodyOptions;
    }
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
      body?: Uint8Array;
      summary: BatchSummary;
      rejected: number;
      errors: string[];
      items?: BulkItem[];
      lokiStreams?: LokiStreams;
    }
  | { t: 'parse-failed'; id: number; error: WorkerError }
  | { t: 'sealed'; stream: string; uptoSeq: number; blocks: EncodedBlock[] }
  /** The rows could not be encoded: they stay here until a 'drop' (the main thread seals them). */
  | { t: 'seal-failed'; stream: string; uptoSeq: number; message: string }
  | { t: 'error'; message: string };

/** Open rows per stream, in seq order, as columns (no object per row for the collector to copy). */
const open = new Map<string, RowColumns>();
/** Parsed bodies waiting for their seqs (the main thread commits them once they are in the inbox). */
const parked = new Map<number, RowColumns>();
/** Emptied parse tables, reused: a new one per body made ~2.5 MB of malloc churn each (RSS). */
const spare: RowColumns[] = [];
const MAX_SPARE = 4;

function recycle(rows: RowColumns): void {
  rows.clear();
  if (spare.length < MAX_SPARE) spare.push(rows);
}

function openRows(stream: string): RowColumns {
  let rows = open.get(stream);
  if (!rows) {
    rows = new RowColumns(8192);
    open.set(stream, rows);
  }
  return rows;
}

/** How many of a stream's open rows have seq <= uptoSeq (a prefix: rows are in seq order). */
function prefixUpTo(rows: RowColumns, uptoSeq: number): number {
  let n = 0;
  while (n < rows.count && rows.seq[n] <= uptoSeq) n++;
  return n;
}

function post(reply: SealReply, transfer: ArrayBuffer[] = []): void {
  // Blocks are copied, not transferred: small Buffers may share Node's pool, which must not be detached.
  parentPort!.postMessage(reply, transfer);
}

function handle(msg: SealRequest): void {
  if (msg.t === 'parse') {
    let parsed: BodyColumns;
    const table = spare.pop();
    try {
      parsed = parseBodyColumns(msg.kind, msg.body, msg.nowNs, 0, table, msg.options);
    } catch (err) {
      if (table) recycle(table);
      const e = err as Error & { status?: number; details?: unknown };
      post({
        t: 'parse-failed',
        id: msg.id,
        error: { name: e.name, message: e.message, status: e.status, details: e.details },
      });
      return;
    }
    const summary = summarizeColumns(parsed.rows);
    if (parsed.rows.count > 0) parked.set(msg.id, parsed.rows);
    else recycle(parsed.rows);
    // The rows are copies: a body moved here goes back for the inbox, untouched.
    post(
      {
        t: 'parsed',
        id: msg.id,
        body: msg.moved ? msg.body : undefined,
        summary,
        rejected: parsed.rejected,
        errors: parsed.errors,
        items: parsed.items,
        lokiStreams: parsed.lokiStreams,
      },
      msg.moved ? [msg.body.buffer as ArrayBuffer] : [],
    );
  } else if (msg.t === 'commit') {
    const rows = parked.get(msg.id);
    if (!rows) return;
    parked.delete(msg.id);
    openRows(msg.stream).append(rows, msg.seqBase);
    recycle(rows);
  } else if (msg.t === 'abort') {
    const rows = parked.get(msg.id);
    parked.delete(msg.id);
    if (rows) recycle(rows);
  } else if (msg.t === 'rows') {
    const list = openRows(msg.stream);
    for (const row of decodeRows(msg.payload)) list.pushRow(row);
  } else if (msg.t === 'drop') {
    const rows = open.get(msg.stream);
    if (rows) rows.dropPrefix(prefixUpTo(rows, msg.uptoSeq));
  } else {
    const rows = open.get(msg.stream);
    const n = rows ? prefixUpTo(rows, msg.uptoSeq) : 0;
    const blocks: EncodedBlock[] = [];
    try {
      for (let i = 0, end = 0; i < n; i = end) {
        end = blockEnd(rows!, i, n, msg.blockRows);
        blocks.push(encodeColumns(rows!, i, end));
      }
    } catch (err) {
      // A row the encoder refuses must not end the worker (an 'error' reply does): the main thread
      // seals the stream itself, finds the rows at fault and quarantines them, then drops the rest here.
      post({ t: 'seal-failed', stream: msg.stream, uptoSeq: msg.uptoSeq, message: (err as Error).message });
      return;
    }
    rows?.dropPrefix(n);
    post({ t: 'sealed', stream: msg.stream, uptoSeq: msg.uptoSeq, blocks });
    // The main thread got copies: free ours now rather than at a full collection (releaseOwned).
    for (const b of blocks) {
      releaseOwned(b.data);
      releaseOwned(b.bloom);
    }
  }
}
/** Whether a message came in since the warm-up last asked: its steps wait while real work arrives. */
let realWork = false;
parentPort?.on('message', (msg: SealRequest) => {
  realWork = true;
  try {
    handle(msg);
  } catch (err) {
    post({ t: 'error', message: (err as Error).message });
  }
});
// The parse and encode code compiled before the first bodies arrive, in steps between messages while
// the worker is idle (ingest-warm-up.ts).
if (parentPort && (workerData as SealWorkerData | undefined)?.warmUp !== false)
  warmUpIngest({
    busy: () => {
      const busy = realWork;
      realWork = false;
      return busy;
    },
  });
