// How often a block's token filters let through a token it does not hold, as a one-token text query
// (the bench's rare word) asks them: bench lines in 8192-row blocks, in arrival order as the store's
// ingest streams cut them (a request's 2-5 lines, which share a trace id, in one block; by service
// with PROFILE_BLOCKS=service, as the figures before the eighth session were measured), then
// PROBE_TOKENS absent tokens asked of every block with bloomMayMatch(): words (like the bench's rare
// word) and hex tokens (numbers, like an id searched for), which version 4 keeps in filters of their
// own, and trace ids asked as a trace-id query asks them (id-only), which version 5 keeps in filters
// of their own. Prints the filter bytes of a block, those SealedBlocks keeps in memory (the word
// filters; after a trace-id query, also the id filters) and the false positives per block:
//   PROFILE_LINES=300000 node --conditions=development --import tsx bench/bloom-false-positives.ts
import { encodeColumns } from '../src/store/block-codec.js';
import { bloomMayMatch, tokenHash, wordFilters } from '../src/store/bloom.js';
import { ID_BLOOM_VERSION, ID_PREFIX, idBloomPrefixBytes, WORD_PREFIX } from '../src/store/bloom-ids.js';
import { parseBodyColumns } from '../src/store/body-rows.js';
import { RowColumns } from '../src/store/row-columns.js';
import { createGenerator } from './generate.js';

const LINES = Number(process.env.PROFILE_LINES ?? 300_000);
const PROBE_TOKENS = Number(process.env.PROBE_TOKENS ?? 2000);
const BLOCK_ROWS = 8192;

const BY_SERVICE = process.env.PROFILE_BLOCKS === 'service';

const gen = createGenerator(LINES, Date.now(), 86_400_000, 7);
const byService = new Map<string, string[]>();
for (;;) {
  const batch = gen.next(5000);
  if (batch.length === 0) break;
  for (const line of batch) {
    const service = BY_SERVICE ? String(line.record.service) : '';
    const lines = byService.get(service) ?? [];
    if (lines.length === 0) byService.set(service, lines);
    lines.push(line.json);
  }
}
const blooms: Buffer[] = [];
for (const lines of byService.values()) {
  const rows = new RowColumns(BLOCK_ROWS);
  for (let i = 0; i < lines.length; i += 5000) {
    const body = Buffer.from(lines.slice(i, i + 5000).join('\n'));
    rows.append(parseBodyColumns('ndjson', body, 1_795_635_900_000_000_000n, 0).rows, rows.count + 1);
  }
  for (let i = 0; i + BLOCK_ROWS <= rows.count; i += BLOCK_ROWS)
    blooms.push(encodeColumns(rows, i, i + BLOCK_ROWS).bloom);
}
/** Share of (block, token) pairs that pass the filters, for absent tokens (`idOnly`: as trace ids). */
function falsePositives(token: (q: number) => string, idOnly?: boolean[]): number {
  let passed = 0;
  for (let q = 0; q < PROBE_TOKENS; q++) {
    const key = tokenHash(token(q));
    for (const bloom of blooms) if (bloomMayMatch(bloom, [key], idOnly)) passed++;
  }
  return +(passed / PROBE_TOKENS / blooms.length).toFixed(4);
}
const bytes = blooms.reduce((sum, b) => sum + b.length, 0);
const perBlock = (size: (b: Buffer) => number) =>
  Math.round(blooms.reduce((sum, b) => sum + size(b), 0) / blooms.length);
const v5 = blooms[0][0] === ID_BLOOM_VERSION;
// Version 5: the attribute word filter first, its hex filter after the groups' word and id filters;
// version 4: the first two (hex, word); version 3: the first.
const attrBytes = (b: Buffer) =>
  v5
    ? b.readUInt32LE(2) + b.readUInt32LE(2 + 4 * (1 + 2 * b[1]))
    : b.readUInt32LE(2) + (b[0] === 4 ? b.readUInt32LE(6) : 0);
// Version 5: the id filters, the 1 + n-th to 2n-th.
const idBytes = (b: Buffer) => {
  let sum = 0;
  for (let g = 0; g < b[1]; g++) sum += b.readUInt32LE(2 + 4 * (1 + b[1] + g));
  return sum;
};
console.log(
  JSON.stringify({
    blocks: blooms.length,
    bloomVersion: blooms[0][0],
    rowGroups: blooms[0][1],
    filterBytesPerBlock: Math.round(bytes / blooms.length),
    // What SealedBlocks keeps of each (versions 4 and 5: the word filters).
    cachedBytesPerBlock: perBlock((b) =>
      v5 ? idBloomPrefixBytes(b, WORD_PREFIX) : (wordFilters(b) ?? b).length,
    ),
    // After a trace-id query (version 5: up to the id filters).
    cachedAfterTraceIdBytesPerBlock: v5 ? perBlock((b) => idBloomPrefixBytes(b, ID_PREFIX)) : undefined,
    idFilterBytesPerBlock: v5 ? perBlock(idBytes) : undefined,
    attributeFilterBytes: perBlock(attrBytes),
    falsePositivesPerBlock: falsePositives((q) => `absent${q}token`),
    hexFalsePositivesPerBlock: falsePositives((q) => String(1_000_000_007 + q * 7919)),
    traceIdFalsePositivesPerBlock: falsePositives(
      (q) => (q * 7919 + 0x1234567).toString(16).padStart(32, 'f'),
      [true],
    ),
  }),
);
