// Micro-benchmark of block encoding alone (tokenizing + bloom + columns + zstd) on generated rows:
//   node --conditions=development --import tsx bench/profile-encode.ts
import { parseNdjsonLogs } from '../src/ingest/ndjson.js';
import { encodeBlock } from '../src/store/block-codec.js';
import { type Row, toRow } from '../src/store/row.js';
import { createGenerator } from './generate.js';

const LINES = Number(process.env.PROFILE_LINES ?? 200_000);
const gen = createGenerator(LINES, Date.now(), 86_400_000, 7);
const byService = new Map<string, Row[]>();
let seq = 1;
for (;;) {
  const b = gen.next(5000);
  if (b.length === 0) break;
  for (const r of parseNdjsonLogs(b.map((l) => l.json).join('\n'), 0n)) {
    const row = toRow(r, seq++);
    byService.set(row.service, [...(byService.get(row.service) ?? []), row].slice(-1e9));
  }
}
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  let bytes = 0;
  let raw = 0;
  for (const rows of byService.values())
    for (let i = 0; i < rows.length; i += 8192) {
      const e = encodeBlock(rows.slice(i, i + 8192));
      bytes += e.data.length + e.bloom.length;
      raw += e.rawBytes;
    }
  const ms = performance.now() - t;
  console.log(
    `encode ${(((ms * 1000) / LINES) as number).toFixed(2)} µs/line, stored/raw ${(bytes / raw).toFixed(4)}`,
  );
}
