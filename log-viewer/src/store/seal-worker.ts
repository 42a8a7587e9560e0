// Worker thread that turns inbox rows into encoded blocks (tokenizing, bloom filter, column encoding,
// zstd) off the main thread. It mirrors the main thread's open rows from the same inbox payloads and
// seals a stream's rows up to a seq on request; the main thread inserts the result into SQLite.
import { parentPort } from 'node:worker_threads';
import { type EncodedBlock, encodeBlock } from './block-codec.js';
import { decodeRows } from './inbox.js';
import { STREAM } from './open-blocks.js';
import type { Row } from './row.js';

export type SealRequest =
  | { t: 'rows'; payload: string }
  | { t: 'seal'; service: string; uptoSeq: number; blockRows: number }
  | { t: 'drop'; service: string; uptoSeq: number };

export type SealReply =
  | { t: 'sealed'; service: string; uptoSeq: number; blocks: EncodedBlock[] }
  | { t: 'error'; message: string };

const open = new Map<string, Row[]>();

function takePrefix(service: string, uptoSeq: number): Row[] {
  const rows = open.get(service) ?? [];
  let n = 0;
  while (n < rows.length && rows[n].seq <= uptoSeq) n++;
  const taken = rows.slice(0, n);
  if (n === rows.length) open.delete(service);
  else open.set(service, rows.slice(n));
  return taken;
}

function handle(msg: SealRequest): void {
  if (msg.t === 'rows') {
    for (const row of decodeRows(msg.payload)) {
      let list = open.get(STREAM);
      if (!list) {
        list = [];
        open.set(STREAM, list);
      }
      list.push(row);
    }
  } else if (msg.t === 'drop') {
    takePrefix(msg.service, msg.uptoSeq);
  } else {
    const rows = takePrefix(msg.service, msg.uptoSeq);
    const blocks: EncodedBlock[] = [];
    for (let i = 0; i < rows.length; i += msg.blockRows)
      blocks.push(encodeBlock(rows.slice(i, i + msg.blockRows)));
    const reply: SealReply = { t: 'sealed', service: msg.service, uptoSeq: msg.uptoSeq, blocks };
    // Copied, not transferred: small Buffers may share Node's pool, which must not be detached.
    parentPort!.postMessage(reply);
  }
}

parentPort?.on('message', (msg: SealRequest) => {
  try {
    handle(msg);
  } catch (err) {
    parentPort!.postMessage({ t: 'error', message: (err as Error).message } satisfies SealReply);
  }
});
