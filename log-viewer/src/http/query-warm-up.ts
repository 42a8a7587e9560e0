// Warm-up of the read path at start-up. The first search after a start ran its query, scan and block
// reader code before V8 had compiled it: in-process on the bench's data set (2.5 M lines, 306
// blocks, plain node on dist/), the first rare-word search cost 125-152 CPU-ms against 95-107 after
// this warm-up and ~45 once warm, and the gain outlived 40 full collections of other work. The warm-up
// encodes a synthetic block in memory and runs a few searches over it through runQuery with a
// stand-in store whose scan() is runScan over that block, loaded as the store loads a candidate
// (filter, needle cache, reader): nothing of the real store is read or held.
// It costs ~0.4 s of CPU once, after the app is ready.
import { runQuery } from '../query/run-query.js';
import { encodeBlock } from '../store/block-codec.js';
import { BlockReader } from '../store/block-reader.js';
import { SectionBuffers } from '../store/block-reader-buffers.js';
import { bloomMayMatch, tokenHash } from '../store/bloom.js';
import type { Row } from '../store/row.js';
import { runScan } from '../store/scan.js';
import { ScanCache } from '../store/scan-cache.js';

/** Two row groups: enough rows for the readers' loops to be compiled, little memory (~1 MB briefly). */
const ROWS = 2048;
const ROUNDS = 3;
const BASE_MS = Date.UTC(2026, 0, 1);

/** Runs the warm-up; returns the hits of each search of the last round (tests). */
export function warmUpReadPath(): number[] {
  const rows: Row[] = [];
  for (let i = 0; i < ROWS; i++) {
    rows.push({
      seq: i + 1,
      ms: BASE_MS + i,
      subNs: 0,
      obsMs: BASE_MS + i,
      obsSubNs: 0,
      level: 2 + (i % 3),
      levelText: 'info',
      severity: 9,
      service: i % 2 ? 'checkout' : 'payments',
      host: 'web-1',
      labels: '',
      protocol: 'ndjson',
      message: `request ${i} completed for order ord-${i * 13} in ${i % 900} ms`,
      attrs: JSON.stringify({
        user: `u-${i}`,
        method: i % 2 ? 'GET' : 'POST',
        path: `/api/orders/${i}`,
        status: 200,
      }),
      traceId: (i * 7919).toString(16).padStart(32, 'a'),
      spanId: '',
    });
  }
  const block = encodeBlock(rows);
  const buffers = new SectionBuffers();
  const store = {
    scan: (query: Parameters<typeof runScan>[1], visit: Parameters<typeof runScan>[2]) =>
      runScan(
        [
          {
            minMs: block.minMs,
            maxMs: block.maxMs,
            // As the store loads a candidate: its filter, then a reader behind a (here fresh) cache.
            load: () => {
              const tokens = query.requiredTokens ?? [];
              const idOnly = tokens.map((t) => query.idTokens?.includes(t) === true);
              if (tokens.length > 0 && !bloomMayMatch(block.bloom, tokens.map(tokenHash), idOnly))
                return undefined;
              return new ScanCache().load(
                block,
                query,
                () => new BlockReader(block.data, '', buffers, block.bloom),
              );
            },
          },
        ],
        query,
        visit,
      ),
  };
  const nowNs = BigInt(BASE_MS + 3_600_000) * 1_000_000n;
  const queries = [
    'zzneedle', // a word no row holds
    'completed 1000', // a word in one row
    '"order ord"', // a phrase
    `trace_id:${(1000 * 7919).toString(16).padStart(32, 'a')}`,
    'service:payments level>=error',
  ];
  let hits: number[] = [];
  for (let r = 0; r < ROUNDS; r++)
    hits = queries.map(
      (query) => runQuery(store, { query, from: '24h', to: 'now', limit: 100, nowNs }).records.length,
    );
  return hits;
}
