// How often a block's token filters let through a token it does not hold, as a one-token text query
// (the bench's rare word) asks them: bench lines split by service, encoded into 8192-row blocks, then
// PROBE_TOKENS absent tokens asked of every block with bloomMayMatch(): words (like the bench's rare
// word) and hex tokens (numbers, like an id searched for), which version 4 keeps in filters of their
// own. Prints the filter bytes of a block, those it keeps in memory (SealedBlocks' cache) and the
// false positives per block:
//   PROFILE_LINES=300000 node --conditions=development --import tsx bench/bloom-false-positives.ts
import { encodeColumns } from '../src/store/block-codec.js';
import { bloomMayMatch, tokenHash, wordFilters } from '../src/store/bloom.js';
import { parseBodyColumns } from '../src/store/body-rows.js';
import { RowColumns } from '../src/store/row-columns.js';
import { createGenerator } from './generate.js';

const LINES = Number(process.env.PROFILE_LINES ?? 300_000);
const PROBE_TOKENS = Number(process.env.PROBE_TOKENS ?? 2000);
const BLOCK_ROWS = 8192;

const gen = createGenerator(LINES, Date.now(), 86_400_000, 7);
const byService = new Map<string, string[]>();
for (;;) {
  const batch = gen.next(5000);
  if (batch.length === 0) break;
  for (const line of batch) {
    const service = String(line.record.service);
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
/** Share of (block, token) pairs that pass the filters, for absent tokens. */
function falsePositives(token: (q: number) => string): number {
  let passed = 0;
  for (let q = 0; q < PROBE_TOKENS; q++) {
    const key = tokenHash(token(q));
    for (const bloom of blooms) if (bloomMayMatch(bloom, [key])) passed++;
  }
  return +(passed / PROBE_TOKENS / blooms.length).toFixed(4);
}
const bytes = blooms.reduce((sum, b) => sum + b.length, 0);
// Version 4: the attribute filters are the first two (hex, word); version 3: the first.
const attrBytes = (b: Buffer) => b.readUInt32LE(2) + (b[0] === 4 ? b.readUInt32LE(6) : 0);
console.log(
  JSON.stringify({
    blocks: blooms.length,
    bloomVersion: blooms[0][0],
    rowGroups: blooms[0][1],
    filterBytesPerBlock: Math.round(bytes / blooms.length),
    // What SealedBlocks keeps of each (version 4: the word filters).
    cachedBytesPerBlock: Math.round(
      blooms.reduce((sum, b) => sum + (wordFilters(b) ?? b).length, 0) / blooms.length,
    ),
    attributeFilterBytes: Math.round(blooms.reduce((sum, b) => sum + attrBytes(b), 0) / blooms.length),
    falsePositivesPerBlock: falsePositives((q) => `absent${q}token`),
    hexFalsePositivesPerBlock: falsePositives((q) => String(1_000_000_007 + q * 7919)),
  }),
);
