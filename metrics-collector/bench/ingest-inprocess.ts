// In-process driver of the remote_write hot path (no HTTP, no lock needed when kept short):
//   node --conditions=development --import tsx bench/ingest-inprocess.ts [series] [samples] [rounds]
// Times, per 2,000-sample request of the bench load, snappy alone, snappy + protobuf walk into a
// null sink, and the whole store append (walk + series lookup + head append + log write; the log
// without fdatasync), once per mode in each round, the order alternated: MODES=js,pool (default
// js): snappy on the JS thread as the server does, or snappy's async variant on libuv's pool.
// "JS thread" is this thread's CPU (/proc schedstat), "all threads" the process'. Run with
// --cpu-prof to see where the store append goes. (The decode worker of 9624ef3 was a third mode.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { uncompress as uncompressAsync, uncompressSync } from 'snappy';
import { type RemoteWriteSink, walkWriteRequest } from '../src/ingest/remote-write.js';
import { MetricsStore } from '../src/store/metrics-store.js';
import { buildLoad } from './load.js';

const series = Number(process.argv[2] ?? 10_000);
const samples = Number(process.argv[3] ?? 360);
const rounds = Number(process.argv[4] ?? 3);
const uncompress = (b: Uint8Array) => uncompressSync(b, { asBuffer: true, copyOutputData: true }) as Buffer;
const load = buildLoad(series, samples, 60_000, Date.now());
const n = load.requests.length;
const us = (ms: number) => ((ms * 1000) / n).toFixed(1);

// Young-generation collections per phase: each one means ~a semi-space of garbage.
let scavenges = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if ((e.detail as { kind: number }).kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
}).observe({ entryTypes: ['gc'] });
const tick = () => new Promise((r) => setImmediate(r));
/** This (the JS) thread's CPU time, ms. */
const jsThreadMs = () =>
  Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

const nullSink: RemoteWriteSink = { beginSeries: () => 0, sample: () => {} };
for (let r = 0; r < rounds; r++) {
  await tick();
  let gc0 = scavenges;
  let t0 = performance.now();
  for (const body of load.requests) uncompress(body);
  const snappyMs = performance.now() - t0;
  await tick();
  const snappyGc = scavenges - gc0;
  gc0 = scavenges;
  t0 = performance.now();
  for (const body of load.requests) walkWriteRequest(uncompress(body), nullSink);
  const walkMs = performance.now() - t0 - snappyMs;
  await tick();
  const walkGc = scavenges - gc0;
  const modes = (process.env.MODES ?? 'js').split(',');
  for (const mode of r % 2 === 0 ? modes : modes.toReversed()) {
    const dir = makeTempDir('mc-inproc-');
    const db = openDatabase(join(dir, 'metrics.db'));
    migrate(db, new URL('../migrations/', import.meta.url).pathname);
    const store = new MetricsStore({
      db,
      walDir: join(dir, 'wal'),
      uncompressSnappy: uncompress,
      fsync: false,
    });
    const append =
      mode === 'pool'
        ? async (body: Buffer) =>
            store.appendRemoteWrite(
              body,
              (await uncompressAsync(body, { asBuffer: true, copyOutputData: true })) as Buffer,
            )
        : (body: Buffer) => store.appendRemoteWrite(body);
    await tick();
    gc0 = scavenges;
    const cpu0 = process.cpuUsage();
    const js0 = jsThreadMs();
    t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    for (const body of load.requests) {
      pending.push(append(body));
      if (pending.length >= 8) await Promise.race(pending.splice(0, 1));
    }
    await Promise.all(pending);
    const storeMs = performance.now() - t0;
    const jsMs = jsThreadMs() - js0;
    const cpu = process.cpuUsage(cpu0);
    await tick();
    const storeGc = scavenges - gc0;
    console.log(
      `round ${r} ${mode.padEnd(6)}: ${n} requests; per request: snappy ${us(snappyMs)} us, walk ${us(walkMs)} us, ` +
        `store append ${us(storeMs)} us wall, JS thread ${us(jsMs)} us, all threads ${us((cpu.user + cpu.system) / 1000)} us CPU; ` +
        `${(((load.samples / storeMs) * 1e3) / 1e6).toFixed(2)} M samples/s; scavenges: snappy ${snappyGc}, ` +
        `snappy + walk ${walkGc}, store ${storeGc}`,
    );
    await store.close().catch((err) => console.log(`close: ${err.message}`));
    closeDatabase(db);
  }
}
