// The systems under test, each started as its own process on 127.0.0.1 with a temp data folder:
// this collector (dist/main.js, StatsD and scraping off), Debian's VictoriaMetrics and
// Debian's Prometheus (remote-write receiver on). Figures read from /proc: CPU time and peak RSS.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { type Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
// @ts-expect-error: a plain .mjs of the repository's scripts (no types); the one reader of the Dockerfile.
import { serviceAllocatorEnv, serviceNodeFlags } from '../../scripts/service-node-flags.mjs';

export interface System {
  name: string;
  url: string;
  headers: Record<string, string>;
  process: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const VICTORIA_BIN = '/usr/bin/victoria-metrics';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitReady(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(url, { headers });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

async function stopProcess(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.exitCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill(signal);
  await done;
}

const API_KEY = 'bench-key';
const ROOT = decodeURIComponent(new URL('../..', import.meta.url).pathname);
const SERVICE = 'metrics-collector';

export async function startCollector(dir: string): Promise<System> {
  const port = await freePort();
  const dataDir = join(dir, 'collector');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dir, 'scrape.yml'), 'scrape_configs: []\n');
  // The production build when present (npm run bench builds it first), else the sources via tsx
  // (which adds ~25 MB of RSS for the loader). BENCH_COLLECTOR_DIST names another build's main.js
  // (a copy of dist/ with node_modules reachable from it), for alternated runs of two builds.
  const dist = process.env.BENCH_COLLECTOR_DIST ?? new URL('../dist/main.js', import.meta.url).pathname;
  const entry =
    existsSync(dist) && !process.env.BENCH_FROM_SOURCE
      ? [dist]
      : ['--conditions=development', '--import', 'tsx', new URL('../src/main.ts', import.meta.url).pathname];
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  // As the image runs it: the node flags of the Dockerfile's CMD and its ENV MALLOC_* settings
  // (both decide peak RSS); BENCH_NODE_FLAGS and the caller's environment override them.
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? serviceNodeFlags(ROOT, SERVICE);
  // BENCH_COLLECTOR_STDOUT=<file>: the collector's stdout (e.g. --trace-gc in BENCH_NODE_FLAGS).
  const stdout = process.env.BENCH_COLLECTOR_STDOUT
    ? openSync(process.env.BENCH_COLLECTOR_STDOUT, 'w')
    : 'ignore';
  const proc = spawn(process.execPath, [...flags, ...profile, ...entry], {
    env: {
      ...serviceAllocatorEnv(ROOT, SERVICE),
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      API_KEY,
      STATSD_PORT: '0',
      SCRAPE_CONFIG: join(dir, 'scrape.yml'),
      LOG_LEVEL: 'warn',
      WAL_FSYNC: process.env.BENCH_WAL_FSYNC ?? 'true',
    },
    stdio: ['ignore', stdout, 'inherit'],
  });
  if (typeof stdout === 'number') closeSync(stdout);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`);
  return {
    name: 'collector',
    url,
    headers: { authorization: `Bearer ${API_KEY}` },
    process: proc,
    dataDir,
    stop: () => stopProcess(proc),
  };
}

export async function startVictoria(dir: string): Promise<System> {
  const port = await freePort();
  const dataDir = join(dir, 'vm');
  const proc = spawn(
    VICTORIA_BIN,
    [
      `-storageDataPath=${dataDir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=1y',
      '-search.latencyOffset=0s',
      '-loggerLevel=ERROR',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health`);
  return {
    name: 'victoria-metrics',
    url,
    headers: {},
    process: proc,
    dataDir,
    stop: () => stopProcess(proc, 'SIGINT'),
  };
}

export async function startPrometheus(dir: string): Promise<System> {
  const port = await freePort();
  const dataDir = join(dir, 'prometheus');
  mkdirSync(dataDir, { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global: {scrape_interval: 1h}\nscrape_configs: []\n');
  const proc = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--storage.tsdb.retention.time=1y',
      '--log.level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`);
  return { name: 'prometheus', url, headers: {}, process: proc, dataDir, stop: () => stopProcess(proc) };
}

/** utime + stime of a process (all threads), seconds. */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** utime + stime of a process' first thread, seconds: for Node the JS thread, which is the
 * collector's ingest limit (libuv's pool, GC helpers and the rest run on others). */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** Seconds the process' first thread spent on a core and waiting in a run queue for one
 * (/proc/<pid>/task/<pid>/schedstat): what the rest of the wall time was idle or blocked. */
export function mainThreadSchedSeconds(pid: number): { running: number; waiting: number } {
  const [running, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')
    .split(' ')
    .map(Number);
  return { running: running / 1e9, waiting: waiting / 1e9 };
}

/** utime + stime per thread (`JS thread`, else the comm name and thread id: Node names neither
 * V8's helpers nor libuv's pool), seconds: where the CPU off the JS thread goes. */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const name = tid === String(pid) ? 'JS thread' : `${comm}#${tid}`;
      out.set(name, statCpuSeconds(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function statCpuSeconds(file: string): number {
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident set size (VmHWM), bytes. */
export function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) n += dirBytes(p);
    else if (entry.isFile()) n += statSync(p).size;
  }
  return n;
}

/** POSTs one pre-encoded remote_write body to `sys` with Prometheus' headers; resolves to the status. */
export function sendRemoteWrite(agent: Agent, sys: System, body: Buffer): Promise<number> {
  const u = new URL(`${sys.url}/api/v1/write`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: {
          ...sys.headers,
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
