// npm run bench -w metrics-collector
// Same pre-encoded remote_write load against this collector, and — when installed — Debian's
// VictoriaMetrics and Prometheus, one system at a time on the same 2 cores with the generator.
// Prints ingest samples/s, server CPU per million samples, peak RSS, bytes on disk per sample and
// range-query latencies over the Prometheus HTTP API, then the ratios. BENCH_SCALE=0.2 shrinks the
// series counts; BENCH_ONLY=collector skips the others.
import { existsSync, rmSync } from 'node:fs';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTempDir } from '@flowrent/shared/testing';
import { buildLoad, type Load } from './load.js';
import {
  cpuSeconds,
  dirBytes,
  mainThreadCpuSeconds,
  mainThreadSchedSeconds,
  PROMETHEUS_BIN,
  peakRssBytes,
  threadCpuSeconds,
  type System,
  startCollector,
  startPrometheus,
  sendRemoteWrite,
  startVictoria,
  VICTORIA_BIN,
} from './systems.js';

const IN_FLIGHT = 8;
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const ONLY = process.env.BENCH_ONLY?.split(',');

interface Result {
  system: string;
  scenario: string;
  samplesPerSec: number;
  cpuPerMillion: number;
  /** The collector's JS thread only (undefined for the others, whose threads are not comparable). */
  mainCpuPerMillion?: number;
  /** Shares of the ingest's wall time the collector's JS thread ran, and waited for a core. */
  mainThread?: { running: number; waiting: number };
  peakRssMb: number;
  ingestPeakRssMb: number;
  bytesPerSample: number;
  rejected: number;
  /** The load generator's (this process') CPU during the ingest, CPU-s per million samples. */
  clientCpuPerMillion: number;
  /** The collector's CPU per thread name during the ingest, CPU-s per million samples. */
  threads?: [string, number][];
  /** The collector's group commit during the ingest: fdatasync calls and their mean time. */
  syncs?: { count: number; meanMs: number; recordsPerSync: number; recordsPerWrite: number };
  queries: Record<string, QueryTiming>;
}

async function ingest(sys: System, load: Load): Promise<{ seconds: number; rejected: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  let rejected = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < load.requests.length) {
      const status = await sendRemoteWrite(agent, sys, load.requests[next++]);
      if (status !== 204 && status !== 200) rejected++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, rejected };
}

/** Calls of each query that every system gets before the timed ones (not timed): the first call
 * of a query path in a fresh Node process runs unoptimised code (4–16 ms for the raw series, then
 * ~0.5 ms), and Prometheus' first call warms its postings and chunk caches. */
const WARMUP_CALLS = 2;
/** Timed calls per query: at least MIN_TIMED_CALLS, then more until TIMED_BUDGET_MS of calls or
 * MAX_TIMED_CALLS (a cheap query gets ~50 calls, so a burst of other work on the shared cores
 * moves its median less); the median is reported. */
const MIN_TIMED_CALLS = 7;
const MAX_TIMED_CALLS = 51;
const TIMED_BUDGET_MS = 1000;

interface QueryTiming {
  /** Median of the timed calls, ms (or why there is none). */
  median: number | string;
  /** The very first call (a cold process), ms: printed, not in the ratios. */
  first?: number;
  /** How many calls the median is of. */
  calls?: number;
}

async function queryOnce(sys: System, params: URLSearchParams): Promise<number | string> {
  const t0 = performance.now();
  const res = await fetch(`${sys.url}/api/v1/query_range`, {
    method: 'POST',
    headers: { ...sys.headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: params,
  });
  const body = (await res.json().catch(() => ({}))) as { status?: string; data?: { result?: unknown[] } };
  if (res.status !== 200 || body.status !== 'success') return `HTTP ${res.status}`;
  if (!body.data?.result?.length) return 'empty';
  return performance.now() - t0;
}

async function queryLatency(sys: System, load: Load, query: string, stepS: number): Promise<QueryTiming> {
  const params = new URLSearchParams({
    query,
    start: String(load.startMs / 1000),
    end: String(load.endMs / 1000),
    step: String(stepS),
  });
  const first = await queryOnce(sys, params);
  if (typeof first === 'string') return { median: first };
  for (let i = 1; i < WARMUP_CALLS; i++) await queryOnce(sys, params);
  const times: number[] = [];
  let spent = 0;
  while (times.length < MIN_TIMED_CALLS || (spent < TIMED_BUDGET_MS && times.length < MAX_TIMED_CALLS)) {
    const ms = await queryOnce(sys, params);
    if (typeof ms === 'string') return { median: ms, first };
    times.push(ms);
    spent += ms;
  }
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { median: round(times[times.length >> 1]), first: round(first), calls: times.length };
}

/** Warms this process' fetch/JSON path against a local stub before any system is timed: otherwise
 * the system measured first (the collector) gets the client's cold calls and the others a warm
 * client. */
async function warmClient(): Promise<void> {
  const stub = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}}',
      );
    });
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  const port = (stub.address() as AddressInfo).port;
  const sys = { url: `http://127.0.0.1:${port}`, headers: {} } as System;
  const params = new URLSearchParams({ query: 'up', start: '0', end: '60', step: '60' });
  for (let i = 0; i < 300; i++) await queryOnce(sys, params);
  await new Promise((r) => stub.close(r));
}

/** fdatasync count and time from the collector's /metrics (read once, after the ingest). */
async function walSyncs(sys: System, records: number): Promise<Result['syncs']> {
  const text = await (await fetch(`${sys.url}/metrics`, { headers: sys.headers })).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const count = value('metrics_wal_fsyncs_total');
  const seconds = value('metrics_wal_fsync_seconds_total');
  const writes = value('metrics_wal_writes_total');
  return {
    count,
    meanMs: (seconds * 1000) / count,
    recordsPerSync: records / count,
    recordsPerWrite: records / writes,
  };
}

async function run(start: (dir: string) => Promise<System>, load: Load, scenario: string): Promise<Result> {
  const dir = makeTempDir('metrics-bench-');
  const sys = await start(dir);
  const pid = sys.process.pid!;
  const cpu0 = cpuSeconds(pid);
  const main0 = mainThreadCpuSeconds(pid);
  const sched0 = mainThreadSchedSeconds(pid);
  const threads0 = threadCpuSeconds(pid);
  const client0 = process.cpuUsage();
  const { seconds, rejected } = await ingest(sys, load);
  const client = process.cpuUsage(client0);
  const threads = [...threadCpuSeconds(pid)]
    .map(([name, s]): [string, number] => [name, (s - (threads0.get(name) ?? 0)) / (load.samples / 1e6)])
    .filter(([, perM]) => perM >= 0.005)
    .sort((a, b) => b[1] - a[1]);
  const cpu = cpuSeconds(pid) - cpu0;
  const mainCpu = mainThreadCpuSeconds(pid) - main0;
  const sched1 = mainThreadSchedSeconds(pid);
  const mainThread = {
    running: (sched1.running - sched0.running) / seconds,
    waiting: (sched1.waiting - sched0.waiting) / seconds,
  };
  const ingestPeak = peakRssBytes(pid);
  const syncs = sys.name === 'collector' ? await walSyncs(sys, load.requests.length) : undefined;
  await new Promise((r) => setTimeout(r, 2000)); // VM makes fresh rows searchable after ~1 s
  const queries: Record<string, QueryTiming> = process.env.BENCH_NO_QUERIES
    ? {}
    : {
        'sum(rate[5m]) by (route), 60s step': await queryLatency(
          sys,
          load,
          'sum(rate(bench_requests_total[5m])) by (route)',
          60,
        ),
        'raw single series': await queryLatency(
          sys,
          load,
          `bench_requests_total{instance="host-0",route="/r0"}`,
          load.stepMs / 1000,
        ),
        'histogram_quantile(0.99)': await queryLatency(
          sys,
          load,
          'histogram_quantile(0.99, sum(rate(bench_latency_seconds_bucket[5m])) by (le))',
          60,
        ),
      };
  const peak = peakRssBytes(pid);
  await sys.stop();
  const disk = dirBytes(sys.dataDir);
  rmSync(dir, { recursive: true, force: true });
  return {
    system: sys.name,
    scenario,
    samplesPerSec: load.samples / seconds,
    cpuPerMillion: cpu / (load.samples / 1e6),
    mainCpuPerMillion: sys.name === 'collector' ? mainCpu / (load.samples / 1e6) : undefined,
    mainThread: sys.name === 'collector' ? mainThread : undefined,
    peakRssMb: peak / 1024 / 1024,
    ingestPeakRssMb: ingestPeak / 1024 / 1024,
    bytesPerSample: disk / load.samples,
    rejected,
    clientCpuPerMillion: (client.user + client.system) / 1e6 / (load.samples / 1e6),
    threads: sys.name === 'collector' ? threads : undefined,
    syncs,
    queries,
  };
}

const scenarios = [
  { name: `${Math.round(10_000 * SCALE)} series × 360`, series: Math.round(10_000 * SCALE), samples: 360 },
  { name: `${Math.round(100_000 * SCALE)} series × 60`, series: Math.round(100_000 * SCALE), samples: 60 },
];
const systems: [string, (dir: string) => Promise<System>][] = [['collector', startCollector]];
if (existsSync(VICTORIA_BIN)) systems.push(['victoria-metrics', startVictoria]);
if (existsSync(PROMETHEUS_BIN)) systems.push(['prometheus', startPrometheus]);

/** An untimed ingest of the load into a collector that is then thrown away, before the first
 * system is measured: in the first ingest of a bench process the generator took 2-3x the CPU per
 * sample it took later (0.17-0.23 against 0.07-0.10 CPU-s/M, its JS thread and V8's helpers), on
 * the cores the system measured first — the collector — shares with it; 600-5,400 requests to a
 * stub did not change that, a full ingest into a collector did most of it (README, eighth session). */
async function warmLoadGenerator(load: Load): Promise<void> {
  const dir = makeTempDir('metrics-bench-');
  const sys = await startCollector(dir);
  await ingest(sys, load);
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
}

const results: Result[] = [];
if (!process.env.BENCH_NO_QUERIES) await warmClient();
for (const [i, sc] of scenarios.entries()) {
  const load = buildLoad(sc.series, sc.samples, 60_000, Date.now());
  if (i === 0) await warmLoadGenerator(load);
  console.log(
    `\n== ${sc.name} at 60 s: ${load.samples} samples in ${load.requests.length} requests, ${IN_FLIGHT} in flight` +
      (i === 0 ? ' (the load generator warmed by an untimed ingest into a throwaway collector)' : ''),
  );
  for (const [name, start] of systems) {
    if (ONLY && !ONLY.includes(name)) continue;
    const r = await run(start, load, sc.name);
    results.push(r);
    console.log(
      `${r.system.padEnd(17)} ${(r.samplesPerSec / 1e6).toFixed(2)} M samples/s  ${r.cpuPerMillion.toFixed(2)} CPU-s/M` +
        `${r.mainCpuPerMillion === undefined ? '' : ` (JS thread ${r.mainCpuPerMillion.toFixed(2)})`}  ` +
        `peak RSS ${r.ingestPeakRssMb.toFixed(0)} MB ingest / ${r.peakRssMb.toFixed(0)} MB with queries  ${r.bytesPerSample.toFixed(2)} B/sample on disk  rejected ${r.rejected}`,
    );
    if (r.mainThread) {
      const { running, waiting } = r.mainThread;
      const pct = (x: number) => `${Math.round(x * 100)} %`;
      console.log(
        `${''.padEnd(19)}JS thread: running ${pct(running)} of the ingest, waiting for a core ${pct(waiting)}, idle or blocked ${pct(1 - running - waiting)}`,
      );
    }
    if (r.threads) {
      console.log(
        `${''.padEnd(19)}CPU-s/M by thread: ${r.threads.map(([name, perM]) => `${name} ${perM.toFixed(3)}`).join(', ')}; load generator ${r.clientCpuPerMillion.toFixed(3)}`,
      );
    } else {
      // The generator shares the 2 cores: in the first ingest of a bench process it has taken 2-3x
      // the CPU per sample it takes later (README, eighth session), so print it for every system.
      console.log(`${''.padEnd(19)}load generator ${r.clientCpuPerMillion.toFixed(3)} CPU-s/M`);
    }
    if (r.syncs) {
      const { count, meanMs, recordsPerSync, recordsPerWrite } = r.syncs;
      console.log(
        `${''.padEnd(19)}log: ${count} fdatasync calls, ${meanMs.toFixed(2)} ms mean, ${recordsPerSync.toFixed(1)} requests per sync, ${recordsPerWrite.toFixed(1)} per writev`,
      );
    }
    for (const [q, { median, first, calls }] of Object.entries(r.queries)) {
      const firstCall = first === undefined ? '' : ` (median of ${calls}; first call ${first} ms)`;
      console.log(
        `${''.padEnd(19)}${q}: ${typeof median === 'number' ? `${median} ms` : median}${firstCall}`,
      );
    }
  }
  const mine = results.find((r) => r.system === 'collector' && r.scenario === sc.name);
  for (const other of results.filter((r) => r.system !== 'collector' && r.scenario === sc.name)) {
    if (!mine) break;
    const q = Object.keys(mine.queries)
      .map((k) => {
        const a = mine.queries[k].median;
        const b = other.queries[k]?.median;
        return typeof a === 'number' && typeof b === 'number' ? `${k} ${(a / b).toFixed(2)}×` : `${k} n/a`;
      })
      .join('; ');
    console.log(
      `ratio collector/${other.system}: ingest ${(mine.samplesPerSec / other.samplesPerSec).toFixed(2)}×, ` +
        `disk ${(mine.bytesPerSample / other.bytesPerSample).toFixed(2)}×, RSS ${(mine.ingestPeakRssMb / other.ingestPeakRssMb).toFixed(2)}× (ingest), latency ${q}`,
    );
  }
}
