// Micro-benchmark of one ingest worker's work, phase by phase, on one thread: parsing NDJSON bodies
// into column tables (parseBodyColumns), appending them to a stream's open rows, and encoding
// 8192-row blocks (tokenizing + bloom + columns + zstd):
//   PROFILE_LINES=200000 node --conditions=development --import tsx bench/profile-encode.ts
import { encodeColumns } from '../src/store/block-codec.js';
import { parseBodyColumns } from '../src/store/body-rows.js';
import { RowColumns } from '../src/store/row-columns.js';
import { createGenerator } from './generate.js';

const LINES = Number(process.env.PROFILE_LINES ?? 200_000);
const gen = createGenerator(LINES, Date.now(), 86_400_000, 7);
const bodies: Buffer[] = [];
for (;;) {
  const b = gen.next(5000);
  if (b.length === 0) break;
  bodies.push(Buffer.from(b.map((l) => l.json).join('\n')));
}
/** CPU time of the process (this thread plus V8's helpers), steadier than wall time on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

for (let round = 0; round < 3; round++) {
  let t = cpuMs();
  const rows = new RowColumns(8192);
  for (const body of bodies) {
    const parsed = parseBodyColumns('ndjson', body, 1_795_635_900_000_000_000n, 0);
    rows.append(parsed.rows, rows.count + 1);
  }
  const parseMs = cpuMs() - t;
  t = cpuMs();
  let bytes = 0;
  let raw = 0;
  for (let i = 0; i < rows.count; i += 8192) {
    const e = encodeColumns(rows, i, Math.min(rows.count, i + 8192));
    bytes += e.data.length + e.bloom.length;
    raw += e.rawBytes;
  }
  const encodeMs = cpuMs() - t;
  const us = (ms: number) => ((ms * 1000) / LINES).toFixed(2);
  console.log(
    `CPU: parse ${us(parseMs)} µs/line, encode ${us(encodeMs)} µs/line, stored/raw ${(bytes / raw).toFixed(4)}`,
  );
}
