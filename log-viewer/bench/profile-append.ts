// In-process profile harness for the NDJSON ingest path on one thread (no HTTP, no ingest workers):
// store.ingestBody (parse to rows, durable inbox frame) → sealing. Run with --cpu-prof for hot spots:
//   PROFILE_LINES=200000 node --conditions=development --import tsx bench/profile-append.ts
import { statSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { SqliteLogStore } from '../src/store/sqlite-log-store.js';
import { createGenerator } from './generate.js';

const LINES = Number(process.env.PROFILE_LINES ?? 200_000);
const BATCH = 5000;
const dir = makeTempDir('lv-prof-');
const db = openDatabase(join(dir, 'logs.db'));
migrate(db, decodeURIComponent(new URL('../migrations/', import.meta.url).pathname));
const store = new SqliteLogStore({
  db,
  inboxDir: join(dir, 'inbox'),
  clock: Date.now,
  maintenanceIntervalMs: 0,
});
const gen = createGenerator(LINES, Date.now(), 86_400_000, 7);
const bodies: Buffer[] = [];
let raw = 0;
for (;;) {
  const b = gen.next(BATCH);
  if (b.length === 0) break;
  const body = Buffer.from(`${b.map((l) => l.json).join('\n')}\n`);
  raw += body.length;
  bodies.push(body);
}
let ingestMs = 0;
const t0 = performance.now();
const pending: Promise<unknown>[] = [];
for (const body of bodies) {
  const a = performance.now();
  pending.push(store.ingestBody({ kind: 'ndjson', body, nowNs: BigInt(Date.now()) * 1_000_000n }));
  ingestMs += performance.now() - a; // parse and inbox write happen synchronously without workers
  if (pending.length >= 4) await pending.shift();
  await new Promise((r) => setImmediate(r)); // let sealFull run like under HTTP
}
await Promise.all(pending);
const s = performance.now();
store.flush();
while (store.mergeSmallBlocks()) {}
db.pragma('wal_checkpoint(TRUNCATE)');
const sealMs = performance.now() - s;
const total = performance.now() - t0;
const du = (d: string): number =>
  readdirSync(d).reduce((n, f) => {
    const st = statSync(join(d, f));
    return n + (st.isDirectory() ? du(join(d, f)) : st.size);
  }, 0);
const disk = du(dir);
console.log(
  JSON.stringify({
    lines: LINES,
    linesPerSec: Math.round(LINES / (total / 1000)),
    parseAndAppendMs: Math.round(ingestMs),
    finalSealMs: Math.round(sealMs),
    totalMs: Math.round(total),
    diskPerRaw: +(disk / raw).toFixed(4),
    blocks: store.stats().blocks,
  }),
);
await store.close();
closeDatabase(db);
rmSync(dir, { recursive: true, force: true });
