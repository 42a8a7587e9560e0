// Benchmark of the error tracker (issue 3 item 9). Starts the real service in a child process on
// 127.0.0.1 with a temp database, then:
//   1. throughput: C concurrent clients send gzip envelopes as fast as they can for T seconds;
//      reports accepted events/s, and grouped+stored events/s until the inbox is empty;
//   2. latency: an open-loop 1,000 events/s for T seconds; reports p50/p99 accept latency;
//   3. database bytes per stored event (after a WAL checkpoint) and the server's peak RSS (VmHWM).
// Usage: npm run bench -w error-tracker   (BENCH_SECONDS, BENCH_CLIENTS, BENCH_RATE override;
// BENCH_BUILD=0 skips the build, for alternating runs of one build with different settings)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeanClient } from './http-client.js';
import { envelopeBody, type PreparedBody, prepareBodies } from './events.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const PORT = 15010 + Math.floor(Math.random() * 1000);
const API_KEY = 'bench-admin-key';
const BASE = `http://127.0.0.1:${PORT}`;
// the V8 flags the service runs with in production (the Dockerfile's CMD); BENCH_NODE_FLAGS overrides
const SERVER_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=1')
  .split(' ')
  .filter(Boolean);
const GROUPS = 300;
const VARIANTS = 8;
const NEW_GROUP_SHARE = 0.1;

const client = new LeanClient('127.0.0.1', PORT, 256);
const INGEST_PATH = '/api/1/envelope/?sentry_key=benchkey';

function post(body: Buffer): Promise<number> {
  return client.post(INGEST_PATH, { 'content-encoding': 'gzip' }, body);
}

async function getText(path: string): Promise<string> {
  const res = await fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  return res.text();
}

async function cpuSeconds(): Promise<number> {
  const m = /^process_cpu_seconds_total(?:\{\})? ([\d.e+-]+)/m.exec(await getText('/metrics'));
  return m ? Number(m[1]) : 0;
}

async function pending(): Promise<number> {
  const m = /^errors_inbox_pending(?:\{\})? (\d+)/m.exec(await getText('/metrics'));
  return m ? Number(m[1]) : 0;
}

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU seconds of the server's main thread and of all its other threads (workers, V8, libuv). */
function threadCpu(pid: number): { main: number; others: number; each: Map<string, number> } {
  const out = { main: 0, others: 0, each: new Map<string, number>() };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.each.set(`${tid}(${name})`, seconds);
      if (Number(tid) === pid) out.main += seconds;
      else out.others += seconds;
    } catch {
      // a thread that exited meanwhile
    }
  }
  return out;
}

function startServer(dataDir: string): Promise<ChildProcess> {
  const main = new URL('../src/main.ts', import.meta.url).pathname;
  const dist = new URL('../dist/main.js', import.meta.url).pathname;
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  // the production build (node dist/main.js), unless BENCH_FROM_SOURCE=1
  const entry = process.env.BENCH_FROM_SOURCE
    ? ['--conditions=development', '--import', 'tsx', main]
    : [dist];
  const child = spawn(process.execPath, [...profile, ...SERVER_NODE_FLAGS, ...entry], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      API_KEY,
      DEFAULT_PROJECT_KEY: 'benchkey',
      LOG_LEVEL: 'warn',
      INGEST_MAX_PENDING: '1000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 30_000;
    const poll = async () => {
      try {
        if ((await fetch(`${BASE}/readyz`)).status === 200) return resolve(child);
      } catch {}
      if (Date.now() > deadline) reject(new Error('server did not start'));
      else setTimeout(poll, 200);
    };
    poll();
  });
}

let newGroups = 0;
function nextBody(bodies: PreparedBody[][], n: number): Buffer {
  // a share of events get a never-seen fingerprint (a new issue); the rest repeat known groups
  const body = bodies[n % GROUPS][(n >> 3) % VARIANTS];
  return Math.random() < NEW_GROUP_SHARE ? envelopeBody(body, `new-${++newGroups}`) : envelopeBody(body);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  if (!process.env.BENCH_FROM_SOURCE && process.env.BENCH_BUILD !== '0') {
    console.log('building shared and error-tracker...');
    const root = new URL('../../', import.meta.url).pathname;
    const build = spawnSync('npm', ['run', 'build', '-w', 'shared', '-w', 'error-tracker'], {
      cwd: root,
      stdio: 'ignore',
    });
    if (build.status !== 0) throw new Error('build failed (npm run build -w shared -w error-tracker)');
  }
  console.log(`preparing ${GROUPS * VARIANTS} event bodies...`);
  const bodies = prepareBodies(GROUPS, VARIANTS);
  const avgDecompressed = bodies.flat().reduce((s, b) => s + b.decompressedBytes, 0) / (GROUPS * VARIANTS);
  const avgWire = bodies.flat().reduce((s, b) => s + b.tail.length, 0) / (GROUPS * VARIANTS);
  const dataDir = mkdtempSync(join(tmpdir(), 'et-bench-'));
  const server = await startServer(dataDir);
  const pid = server.pid as number;
  try {
    // 1. throughput
    let sent = 0;
    let accepted = 0;
    let rejected = 0;
    const cpu0 = await cpuSeconds();
    const threads0 = threadCpu(pid);
    const client0 = process.cpuUsage();
    const started = performance.now();
    const stopAt = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < stopAt) {
          const status = await post(nextBody(bodies, sent++));
          if (status === 200) accepted++;
          else rejected++;
        }
      }),
    );
    const acceptSeconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(client0);
    const clientPerEventMs = (client.user + client.system) / 1000 / (accepted + rejected);
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 100));
    const groupSeconds = (performance.now() - started) / 1000;
    const cpuPerEventMs = (((await cpuSeconds()) - cpu0) * 1000) / accepted;
    const threads1 = threadCpu(pid);
    if (process.env.BENCH_THREADS)
      console.log(
        [...threads1.each]
          .map(([tid, s]) => [tid, ((s - (threads0.each.get(tid) ?? 0)) * 1000) / accepted] as const)
          .filter(([, ms]) => ms > 0.005)
          .map(([tid, ms]) => `${tid}:${ms.toFixed(3)}`)
          .join(' '),
      );
    const mainPerEventMs = ((threads1.main - threads0.main) * 1000) / accepted;
    const othersPerEventMs = ((threads1.others - threads0.others) * 1000) / accepted;

    const rssAfterThroughput = peakRss(pid);
    // 2. latency at a fixed rate (open loop)
    const latencies: number[] = [];
    const inflight: Promise<void>[] = [];
    const t0 = performance.now();
    const total = RATE * SECONDS;
    let latErrors = 0;
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const body = nextBody(bodies, i);
      const s = performance.now();
      inflight.push(
        post(body).then((status) => {
          latencies.push(performance.now() - s);
          if (status !== 200) latErrors++;
        }),
      );
    }
    await Promise.all(inflight);
    const achievedRate = total / ((performance.now() - t0) / 1000);
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 100));
    latencies.sort((a, b) => a - b);

    // 3. storage and memory
    const stats = JSON.parse(await getText('/api/projects/1/item-counts')) as {
      data: { type: string; count: number }[];
    };
    const issues = JSON.parse(await getText('/api/issues?limit=1&sort=events')) as {
      data: { event_count: number }[];
    };
    const rss = peakRss(pid);
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    const dbBytes = statSync(join(dataDir, 'errors.db')).size;
    // the inbox file holds accepted events until they are grouped: its size follows the backlog
    // (freed pages are reused), not the number of stored events
    const inboxFile = join(dataDir, 'errors-inbox.db');
    const inboxBytes = existsSync(inboxFile) ? statSync(inboxFile).size : 0;
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dataDir, 'errors.db'), { readonly: true });
    const stored = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    const payloadBytes = (db.prepare('SELECT sum(length(payload)) AS n FROM events').get() as { n: number })
      .n;
    const issueCount = (db.prepare('SELECT count(*) AS n FROM issues').get() as { n: number }).n;
    db.close();

    const fmt = (n: number, d = 0) =>
      n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
    console.log('\nerror-tracker benchmark');
    console.log(
      `  events: ~${fmt(avgDecompressed / 1024, 1)} KB decompressed, ~${fmt(avgWire / 1024, 1)} KB gzip on the wire, ${GROUPS} known fingerprints + ${NEW_GROUP_SHARE * 100}% new`,
    );
    console.log(`  throughput phase: ${CLIENTS} concurrent clients for ${SECONDS} s`);
    console.log(
      `    accepted:          ${fmt(accepted / acceptSeconds)} events/s (${fmt(accepted)} accepted, ${rejected} rejected)`,
    );
    console.log(
      `    grouped + stored:  ${fmt(accepted / groupSeconds)} events/s (inbox empty after ${fmt(groupSeconds, 1)} s)`,
    );
    console.log(
      `    server CPU per event (accept + group + store): ${fmt(cpuPerEventMs, 2)} ms → ${fmt(1000 / cpuPerEventMs)} events/s per core`,
    );
    console.log(
      `      of which main thread ${fmt(mainPerEventMs, 2)} ms, other threads ${fmt(othersPerEventMs, 2)} ms; load generator ${fmt(clientPerEventMs, 2)} ms`,
    );
    console.log(
      `  latency phase: open loop at ${RATE} events/s for ${SECONDS} s (achieved ${fmt(achievedRate)}/s, ${latErrors} non-200)`,
    );
    console.log(
      `    accept latency:    p50 ${fmt(percentile(latencies, 50), 2)} ms, p99 ${fmt(percentile(latencies, 99), 2)} ms, max ${fmt(latencies[latencies.length - 1], 1)} ms`,
    );
    console.log(
      `  storage: ${fmt(stored)} events in ${fmt(issueCount)} issues, database ${fmt(dbBytes / 1024 / 1024, 1)} MB (inbox file ${fmt(inboxBytes / 1024 / 1024, 1)} MB, empty)`,
    );
    console.log(
      `    bytes per stored event: ${fmt(dbBytes / stored)} (compressed payload alone ${fmt(payloadBytes / stored)})`,
    );
    console.log(
      `  machine load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log(
      `  peak RSS of the server: ${fmt(rss / 1024 / 1024, 1)} MB (${fmt(rssAfterThroughput / 1024 / 1024, 1)} MB by the end of the throughput phase)`,
    );
    console.log(
      `  (event counts: ${JSON.stringify(stats.data)}; busiest issue ${issues.data[0]?.event_count} events)`,
    );
  } finally {
    client.close();
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
    }
    // a full run leaves ~200 MB of database behind
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
