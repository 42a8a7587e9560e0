// In-process profile harness for the read path: builds the bench's data set (NDJSON seed 42 plus a
// quarter as OTLP protobuf, seed 7, over 24 h ending at a fixed time) into a store under
// PROFILE_STORE once, then opens it PROFILE_ROUNDS times and runs the bench's queries on each fresh
// store: the first run of a query is cold (no needle cache; the page cache is warm), the next warm.
//   PROFILE_LINES=2000000 node --conditions=development --import tsx bench/profile-query.ts
// Add --cpu-prof for hot spots. PROFILE_QUERY='…' runs one query instead of the bench's.
// PROFILE_CPU=phrase writes a 50 µs-sampled profile of that query's cold run in each round (after the
// queries before it, as the bench runs them) to /tmp/lv-profile-<round>.cpuprofile.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { runQuery } from '../src/query/run-query.js';
import { SqliteLogStore } from '../src/store/sqlite-log-store.js';
import { createGenerator, NEEDLE_PHRASE, NEEDLE_WORD } from './generate.js';
import { encodeOtlp } from './otlp-encode.js';

const LINES = Number(process.env.PROFILE_LINES ?? 2_000_000);
const DIR = process.env.PROFILE_STORE ?? `/tmp/lv-query-store-${LINES}`;
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 3);
/** The data's end; fixed so a stored data set can be reused. */
const END_MS = Date.UTC(2026, 10, 26, 0, 0, 0);
const BATCH = 5000;

function openStore(sealWorker: boolean): { store: SqliteLogStore; close: () => Promise<void> } {
  const db = openDatabase(join(DIR, 'logs.db'));
  migrate(db, decodeURIComponent(new URL('../migrations/', import.meta.url).pathname));
  const store = new SqliteLogStore({
    db,
    inboxDir: join(DIR, 'inbox'),
    clock: Date.now,
    maintenanceIntervalMs: 0,
    sealWorker,
  });
  return {
    store,
    close: async () => {
      await store.close();
      closeDatabase(db);
    },
  };
}

let traceId = existsSync(join(DIR, 'trace-id')) ? readFileSync(join(DIR, 'trace-id'), 'utf8') : '';
if (!existsSync(join(DIR, 'logs.db'))) {
  mkdirSync(DIR, { recursive: true });
  const { store, close } = openStore(true);
  const t0 = performance.now();
  for (const [kind, total, seed] of [
    ['ndjson', LINES, 42],
    ['otlp-protobuf', Math.floor(LINES / 4), 7],
  ] as const) {
    const gen = createGenerator(total, END_MS, 86_400_000, seed);
    const pending: Promise<unknown>[] = [];
    for (;;) {
      const b = gen.next(BATCH);
      if (b.length === 0) break;
      const body =
        kind === 'ndjson'
          ? Buffer.from(b.map((l) => l.json).join('\n'))
          : Buffer.from(encodeOtlp(b.map((l) => l.record)));
      pending.push(store.ingestBody({ kind, body, nowNs: BigInt(END_MS) * 1_000_000n }));
      if (pending.length >= 4) await pending.shift();
    }
    await Promise.all(pending);
    if (kind === 'ndjson') traceId = gen.needleTraceId;
  }
  await store.sealsSettled();
  store.flush();
  while (store.mergeSmallBlocks()) {}
  console.log(
    `built ${DIR} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${store.stats().blocks} blocks`,
  );
  await close();
  writeFileSync(join(DIR, 'trace-id'), traceId);
}

const queries: [string, string][] = process.env.PROFILE_QUERY
  ? [['query', process.env.PROFILE_QUERY]]
  : [
      ['rare word', NEEDLE_WORD],
      ['trace id', `trace_id:${traceId}`],
      ['phrase', `"${NEEDLE_PHRASE}"`],
      ['service + level', 'service:payments level>=error'],
    ];
const nowNs = BigInt(END_MS + 60_000) * 1_000_000n;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** This thread's CPU ms (schedstat, Linux): the query's own work, without V8's helper threads. */
const mainMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
/** The main thread's collections (run with the server's --max-semi-space-size=2 to see its count). */
const collections: PerformanceEntry[] = [];
new PerformanceObserver((list) => collections.push(...list.getEntries())).observe({ entryTypes: ['gc'] });
const PROFILE_CPU = process.env.PROFILE_CPU;
const session = new Session();
session.connect();
await session.post('Profiler.enable');
for (let round = 0; round < ROUNDS; round++) {
  const { store, close } = openStore(false);
  const rss0 = process.memoryUsage().rss;
  const line: string[] = [];
  for (const [name, query] of queries) {
    const times: string[] = [];
    let info = '';
    for (let i = 0; i < 2; i++) {
      const profiled = i === 0 && name === PROFILE_CPU;
      if (profiled) {
        await session.post('Profiler.setSamplingInterval', { interval: 50 });
        await session.post('Profiler.start');
      }
      const c = cpuMs();
      const m = mainMs();
      const t = performance.now();
      const r = runQuery(store, { query, from: '24h', limit: 100, nowNs });
      const ms = performance.now() - t;
      const cpu = cpuMs() - c;
      const main = mainMs() - m;
      await new Promise((resolve) => setTimeout(resolve, 10)); // the observer hears of collections later
      const gc = collections.filter((e) => e.startTime >= t && e.startTime <= t + ms);
      const gcMs = gc.reduce((n, e) => n + e.duration, 0);
      times.push(
        `${ms.toFixed(1)}/${cpu.toFixed(0)}/${main.toFixed(1)} (GC ${gc.length}: ${gcMs.toFixed(1)} ms)`,
      );
      if (profiled) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(`/tmp/lv-profile-${round}.cpuprofile`, JSON.stringify(profile));
      }
      info = `${r.records.length} hits, ${r.blocksScanned} blocks`;
    }
    line.push(`${name}: cold ${times[0]} warm ${times[1]} ms wall/CPU/main-thread CPU (${info})`);
  }
  const rss = process.memoryUsage().rss;
  console.log(
    `round ${round}: ${line.join('; ')}; RSS ${(rss0 / 1e6).toFixed(0)} -> ${(rss / 1e6).toFixed(0)} MB`,
  );
  await close();
}
