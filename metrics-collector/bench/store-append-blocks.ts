// JS-thread CPU of the store's remote_write append in two production builds loaded into ONE process,
// each with its own store, fed the bench load in alternated blocks of requests (A B, B A, ...): a
// burst of other engineers' work lands on both builds alike, which alternated fresh processes
// (bench/store-append-ab.ts) do not give on this shared machine (±15 % between neighbouring runs
// there, ±5 % here). The builds share the V8 heap, so garbage one allocates is partly collected on
// the other's time: compare allocation changes with store-append-ab's scavenge counts too.
//   node --max-semi-space-size=2 --heap-growing-percent=30 --conditions=development --import tsx \
//     bench/store-append-blocks.ts <dist>,<other dist> [series] [samples] [block]
// FSYNC=true fdatasyncs the logs; SYNC=1 applies decompressed bodies without the log. The first
// block (series creation) is reported apart. Uses store-append-ab.ts' cached load.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { uncompressSync } from 'snappy';
import { cachedLoad } from './store-append-ab.js';

const dists = process.argv[2]!.split(',');
const series = Number(process.argv[3] ?? 10_000);
const samples = Number(process.argv[4] ?? 360);
const block = Number(process.argv[5] ?? 50);
const uncompress = (b: Uint8Array) => uncompressSync(b, { asBuffer: true, copyOutputData: true }) as Buffer;
const { requests } = cachedLoad(series, samples);
const perRequest = (series * samples) / requests.length;
const jsThreadMs = () =>
  Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

const stores = [];
const dbs = [];
for (const [i, dist] of dists.entries()) {
  // The query string makes each build's metrics-store.js (and so its graph) a module of its own.
  const { MetricsStore } = await import(`${join(dist, 'store/metrics-store.js')}?build=${i}`);
  const dir = makeTempDir('mc-append-blocks-');
  const db = openDatabase(join(dir, 'metrics.db'));
  migrate(db, join(dist, '../migrations'));
  dbs.push(db);
  stores.push(
    new MetricsStore({
      db,
      walDir: join(dir, 'wal'),
      uncompressSnappy: uncompress,
      fsync: process.env.FSYNC === 'true',
    }),
  );
}
const first = dists.map(() => 0);
const rest = dists.map(() => 0);
for (let at = 0, k = 0; at < requests.length; at += block, k++) {
  for (const s of k % 2 === 0 ? [0, 1] : [1, 0]) {
    const t0 = jsThreadMs();
    const pending: Promise<unknown>[] = [];
    for (let i = at; i < Math.min(requests.length, at + block); i++) {
      if (process.env.SYNC) stores[s].applyRemoteWrite(uncompress(requests[i]));
      else pending.push(stores[s].appendRemoteWrite(requests[i]));
      if (pending.length >= 8) await pending.shift();
    }
    await Promise.all(pending);
    if (k === 0) first[s] += jsThreadMs() - t0;
    else rest[s] += jsThreadMs() - t0;
  }
}
const restM = ((requests.length - block) * perRequest) / 1e6;
for (const [i, dist] of dists.entries()) {
  const wal = stores[i].wal.stats;
  console.log(
    `${dist}: first block ${first[i].toFixed(0)} ms, then JS thread ${(rest[i] / 1000 / restM).toFixed(3)} CPU-s/M; ` +
      `log: ${wal.syncs} fdatasync, ${wal.writes ?? '-'} writev`,
  );
  await stores[i].close();
  closeDatabase(dbs[i]);
}
