// @ts-check
// Where resident memory goes as a store grows, without HTTP: the frames of bench/write-frames.ts (or a
// BENCH_INPUT_DIR frames file) → store.ingestBody from the production build (dist/) with the two ingest
// workers, 4 bodies in flight; every million lines one JSON line of the resident MiB by kind (as
// bench-server.mjs's BENCH_SMAPS=1: main malloc arena, other threads' arenas, other anonymous memory,
// files) and the main heap and external MB. Run it with the image's flags and allocator setting:
//   MALLOC_MMAP_THRESHOLD_=1048576 node --max-semi-space-size=2 --max-old-space-size=256 \
//     bench/ingest-memory-trend.mjs /tmp/lv10m-input/ndjson-8000000-42.frames
// (PROFILE_KIND=otlp-protobuf for OTLP frames; TREND_REPEAT=n sends the file n times; TREND_WORKERS=0
// parses and encodes on the main thread instead of the two ingest workers.)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { tuneDatabase } from '../dist/config.js';
import { SqliteLogStore } from '../dist/store/sqlite-log-store.js';
import { readFrames, smapsBreakdown } from './bench-support.mjs';

const file = process.argv[2] ?? '/tmp/lv-frames.bin';
const kind = process.env.PROFILE_KIND === 'otlp-protobuf' ? 'otlp-protobuf' : 'ndjson';
const LINES_PER_FRAME = 5000;

const dir = makeTempDir('lv-arena-');
const db = openDatabase(join(dir, 'logs.db'));
tuneDatabase(db);
migrate(db, decodeURIComponent(new URL('../migrations/', import.meta.url).pathname));
const store = new SqliteLogStore({
  db,
  inboxDir: join(dir, 'inbox'),
  clock: Date.now,
  sealWorker: process.env.TREND_WORKERS !== '0',
});
await new Promise((r) => setTimeout(r, 2000));
let lines = 0;
let next = 0;
const inFlight = new Set();
const report = () => {
  const m = process.memoryUsage();
  console.log(
    JSON.stringify({
      lines,
      ...smapsBreakdown(),
      heap: Math.round(m.heapUsed / 1e6),
      external: Math.round(m.external / 1e6),
      arrayBuffers: Math.round(m.arrayBuffers / 1e6),
    }),
  );
};
const repeat = Number(process.env.TREND_REPEAT ?? 1); // the file again: more lines of one kind
for (let r = 0; r < repeat; r++)
  for (const body of readFrames(file)) {
    lines += LINES_PER_FRAME;
    const p = store
      .ingestBody({ kind, body, nowNs: BigInt(Date.now()) * 1_000_000n })
      .then(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
    if (lines >= next) {
      report();
      next += 1_000_000;
    }
  }
await Promise.all(inFlight);
await store.sealsSettled();
report();
await store.close();
closeDatabase(db);
rmSync(dir, { recursive: true, force: true });
