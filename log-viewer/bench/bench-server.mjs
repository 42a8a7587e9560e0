// @ts-check
// The log viewer as the bench runs it: a child process with the real app (production build), store
// (with its ingest workers) and temp data dir, answering commands over IPC so its RSS and CPU are its
// own. Plain JavaScript on purpose: run without tsx (whose loader adds ~50 MB of RSS to the process
// and to every worker thread), like `node dist/main.js` in production.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '@flowrent/shared/config';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { Registry } from '@flowrent/shared/metrics';
import { makeTempDir } from '@flowrent/shared/testing';
// The production build (dist/, built by `npm run bench`), so neither thread runs through tsx.
import { createApp } from '../dist/app.js';
import { configTable, tuneDatabase } from '../dist/config.js';
import { runHistogram } from '../dist/query/run-histogram.js';
import { runQuery } from '../dist/query/run-query.js';
import { SqliteLogStore } from '../dist/store/sqlite-log-store.js';
import { smapsBreakdown } from './bench-support.mjs';

/** API key the bench server is started with (run-bench.ts sends it). */
const BENCH_KEY = 'bench-key';

const dataDir = makeTempDir('logviewer-bench-');
const config = loadConfig(configTable, {
  API_KEY: BENCH_KEY,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  LOG_RETENTION: '30d',
});
const db = openDatabase(join(dataDir, 'logs.db'));
tuneDatabase(db); // as main.ts does
migrate(db, decodeURIComponent(new URL('../migrations/', import.meta.url).pathname));
const store = new SqliteLogStore({ db, inboxDir: join(dataDir, 'inbox'), clock: Date.now, sealWorker: true });
const app = await createApp({
  config,
  version: 'bench',
  db,
  registry: new Registry(),
  isReady: () => true,
  clock: Date.now,
  logger: false,
  store,
});
await app.listen({ port: 0, host: '127.0.0.1' });

/** @param {string} dir */
function du(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    total += s.isDirectory() ? du(p) : s.size;
  }
  return total;
}

/** CPU ms of each thread of this process (Linux /proc), keyed `name#tid`: main, V8's GC helpers, libuv pool, workers. */
/** @returns {Record<string, number>} */
function threadCpuMs() {
  /** @type {Record<string, number>} */
  const out = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[`${Number(tid) === process.pid ? 'main' : name}#${tid}`] = (Number(f[11]) + Number(f[12])) * 10;
    }
  } catch {} // not Linux: no per-thread figures
  return out;
}

/**
 * CPU ns of each thread (/proc/…/schedstat, exact where stat counts 10 ms ticks), keyed `name#tid`:
 * what a ~100 ms query costs each thread.
 * @returns {Record<string, number>}
 */
function threadCpuNs() {
  /** @type {Record<string, number>} */
  const out = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out[`${Number(tid) === process.pid ? 'main' : name}#${tid}`] = ns;
    }
  } catch {} // not Linux, or a thread that just ended
  return out;
}

/** The V8 collections of the main thread (kind, start, duration), for what a query's window held. */
/** @type {{ kind: number, start: number, ms: number }[]} */
const collections = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    collections.push({ kind: /** @type {any} */ (e).detail?.kind ?? 0, start: e.startTime, ms: e.duration });
  if (collections.length > 10_000) collections.splice(0, 5_000);
}).observe({ entryTypes: ['gc'] });

// BENCH_SMAPS=1: sampled every second; the breakdown at the highest RSS is reported.
/** @type {Record<string, number> | undefined} */
let smapsAtPeak;
if (process.env.BENCH_SMAPS === '1') {
  setInterval(() => {
    const b = smapsBreakdown();
    if (!smapsAtPeak || b.rss > smapsAtPeak.rss) smapsAtPeak = b;
  }, 1000).unref();
}

/**
 * A size in MiB and in decimal MB: the goal says "RSS < 200 MB", getrusage counts KiB.
 * @param {number} bytes
 */
function mebibytes(bytes) {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB (${(bytes / 1e6).toFixed(0)} MB)`;
}

/**
 * @template T
 * @param {() => T} fn
 * @returns {[T, number]}
 */
function time(fn) {
  const t = performance.now();
  const r = fn();
  return [r, performance.now() - t];
}

process.on('message', async (/** @type {any} */ m) => {
  const send = (/** @type {object} */ x) => process.send?.(x);
  if (m.cmd === 'flush') {
    await store.sealOpen(); // in the ingest workers, as seal-by-age does
    store.flush();
    while (store.mergeSmallBlocks()) {}
    db.pragma('wal_checkpoint(TRUNCATE)');
    send({ ok: true });
  } else if (m.cmd === 'query') {
    const nowNs = BigInt(m.nowMs) * 1_000_000n;
    const threads0 = threadCpuNs();
    const t0 = performance.now();
    const [r, ms] = time(() => runQuery(store, { query: m.query, from: '24h', limit: 100, nowNs }));
    const threads1 = threadCpuNs();
    // The observer hears of the collections a little later (not yet after a setImmediate).
    await new Promise((resolve) => setTimeout(resolve, 10));
    const gcs = collections.filter((c) => c.start >= t0 && c.start <= t0 + ms);
    /** @type {Record<string, number>} */
    const cpuByThread = {};
    // Threads are all named `node` (ingest workers, V8's helpers, libuv's pool): told apart by tid.
    for (const [t, ns] of Object.entries(threads1)) {
      const d = (ns - (threads0[t] ?? 0)) / 1e6;
      if (d >= 0.5 || t.startsWith('main#')) cpuByThread[t.startsWith('main#') ? 'main' : t] = d;
    }
    send({
      ms,
      cpuByThread,
      gc: {
        minor: gcs.filter((c) => c.kind === 1).length,
        major: gcs.filter((c) => c.kind === 2).length,
        ms: gcs.reduce((n, c) => n + c.ms, 0),
      },
      hits: r.records.length,
      blocksScanned: r.blocksScanned,
      blocksPruned: r.blocksPruned,
      truncated: r.truncated,
    });
  } else if (m.cmd === 'histogram') {
    const nowNs = BigInt(m.nowMs) * 1_000_000n;
    // runHistogram is async (a scanned histogram runs in slices): the time is until its answer.
    const t = performance.now();
    const h = await runHistogram(store, { query: '', from: '24h', nowNs });
    const ms = performance.now() - t;
    const total = Object.values(h.counts).reduce(
      (n, /** @type {number[]} */ c) => n + c.reduce((a, b) => a + b, 0),
      0,
    );
    send({ ms, total, buckets: h.counts.info.length, source: h.source });
  } else if (m.cmd === 'cpu') {
    const u = process.cpuUsage();
    send({ cpuMs: (u.user + u.system) / 1000 });
  } else if (m.cmd === 'threads') {
    send({ threads: threadCpuMs() });
  } else if (m.cmd === 'stats') {
    const s = store.stats();
    const mem = process.memoryUsage();
    send({
      memory: `heap ${(mem.heapUsed / 1e6).toFixed(0)}/${(mem.heapTotal / 1e6).toFixed(0)} MB, external ${(mem.external / 1e6).toFixed(0)} MB, rss now ${mebibytes(mem.rss)}`,
      blocks: s.blocks,
      workers: store.liveWorkers(),
      records: s.sealedRecords + s.openRecords,
      diskBytes: du(dataDir),
      peakRss: mebibytes(process.resourceUsage().maxRSS * 1024),
      smapsAtPeak: smapsAtPeak && { ...smapsAtPeak, now: smapsBreakdown() },
    });
  } else if (m.cmd === 'exit') {
    await app.close();
    await store.close();
    closeDatabase(db);
    rmSync(dataDir, { recursive: true, force: true });
    send({ ok: true });
    process.exit(0);
  }
});
process.send?.({ port: /** @type {import('node:net').AddressInfo} */ (app.server.address()).port });
