// npm run bench -w log-viewer: ingest generated logs over real HTTP (NDJSON, then OTLP protobuf)
// into a server in a child process, then measure storage, query latency, tail lag and peak RSS.
// BENCH_LINES (default 2,000,000) sets the NDJSON line count; OTLP gets a quarter of it. BENCH_QUERIES=0
// skips the query phase (ingest, tail, storage and RSS only). BENCH_INPUT_DIR keeps the generated
// frames in that folder and reuses them on the next run with the same line count (iterating on the
// server without paying the ~1 min of generation each time).
import { type ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGenerator, type GeneratedLine, NEEDLE_PHRASE, NEEDLE_WORD } from './generate.js';
import { serviceAllocatorEnv, serviceNodeFlags } from '../../scripts/service-node-flags.mjs';
import { encodeOtlp } from './otlp-encode.js';

const LINES = Number(process.env.BENCH_LINES ?? 2_000_000);
const OTLP_LINES = Math.floor(LINES / 4);
const QUERIES = process.env.BENCH_QUERIES !== '0';
const BATCH = Number(process.env.BENCH_BATCH ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
/** The bench server's API key (bench-server.mjs). */
const auth = { authorization: 'Bearer bench-key' };

const root = new URL('../../', import.meta.url).pathname;
/** The image's malloc settings (log-viewer/Dockerfile, ENV) unless the caller sets others (an empty
 * value: glibc's default). */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...serviceAllocatorEnv(root, 'log-viewer'), ...process.env };
  for (const [name, value] of Object.entries(env))
    if (name.startsWith('MALLOC_') && value === '') delete env[name];
  return env;
}
const server: ChildProcess = fork(new URL('./bench-server.mjs', import.meta.url), [], {
  // Plain node, no tsx and no development conditions: the server and its ingest workers load the
  // production build (dist/ of shared and of the log viewer), with the node flags of the
  // Dockerfile's CMD as `node ...flags dist/main.js` runs; BENCH_NODE_FLAGS replaces them.
  execArgv: [
    ...(process.env.BENCH_NODE_FLAGS ?? serviceNodeFlags(root, 'log-viewer').join(' '))
      .split(' ')
      .filter((f) => f !== ''),
    ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/lvprof'] : []),
  ],
  env: serverEnv(),
});
const replies: ((m: Record<string, unknown>) => void)[] = [];
server.on('message', (m: Record<string, unknown>) => replies.shift()?.(m));
const call = (msg: object) =>
  new Promise<Record<string, number | string | boolean>>((resolve) => {
    replies.push(resolve as (m: Record<string, unknown>) => void);
    if (Object.keys(msg).length > 0) server.send(msg);
  });
const { port } = await call({});
const base = `http://127.0.0.1:${port}`;

interface Prepared {
  file: string;
  lines: number;
  raw: number;
  needleTraceId: string;
  /** The generated times end here (the queries' "now" is a minute later). */
  endMs: number;
}

/** Generates the data set before timing: frames [u32 length][body] of BATCH lines each. */
function prepare(
  name: string,
  total: number,
  endMs: number,
  seed: number,
  body: (lines: GeneratedLine[]) => Uint8Array,
): Prepared {
  const file = join(workDir, `${name}-${total}-${seed}.frames`);
  if (existsSync(`${file}.json`)) return JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Prepared;
  const fd = openSync(file, 'w');
  const gen = createGenerator(total, endMs, 86_400_000, seed);
  let raw = 0;
  let lines = 0;
  for (;;) {
    const batch = gen.next(BATCH);
    if (batch.length === 0) break;
    for (const l of batch) raw += Buffer.byteLength(l.json) + 1;
    lines += batch.length;
    const b = body(batch);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    writeSync(fd, len);
    writeSync(fd, b);
  }
  closeSync(fd);
  const prepared: Prepared = { file, lines, raw, needleTraceId: gen.needleTraceId, endMs };
  writeFileSync(`${file}.json`, JSON.stringify(prepared));
  return prepared;
}

function* frames(file: string): Generator<Buffer> {
  const fd = openSync(file, 'r');
  const len = Buffer.alloc(4);
  while (readSync(fd, len, 0, 4, null) === 4) {
    const b = Buffer.allocUnsafe(len.readUInt32LE());
    readSync(fd, b, 0, b.length, null);
    yield b;
  }
  closeSync(fd);
}

/**
 * The ingest client: node:http on kept-alive connections, the body written in one call. `fetch`
 * (undici) spent ~2.5-3.3 ms of the client's CPU per 1.2 MB body against ~0.7 ms this way, on the
 * two cores the server shares with it (26 Nov, a draining loopback server, 200 bodies, 4 in flight).
 */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(path: string, type: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: 'POST',
        agent,
        headers: { ...auth, 'content-type': type, 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs every frame with CONCURRENCY requests in flight; each answer means the batch is durable. */
async function ingest(label: string, data: Prepared, path: string, type: string) {
  const cpuBefore = (await call({ cmd: 'cpu' })).cpuMs as number;
  const threadsBefore = (await call({ cmd: 'threads' })).threads as unknown as Record<string, number>;
  const clientCpu0 = process.cpuUsage();
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (const payload of frames(data.file)) {
    const p: Promise<void> = post(path, type, payload).then(({ status, text }) => {
      if (status !== 200) throw new Error(`${label}: HTTP ${status} ${text}`);
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  const clientCpuUs = process.cpuUsage(clientCpu0);
  const cpu = ((await call({ cmd: 'cpu' })).cpuMs as number) - cpuBefore;
  const threadsAfter = (await call({ cmd: 'threads' })).threads as unknown as Record<string, number>;
  const perThread = Object.entries(threadsAfter)
    .map(([t, ms]) => [t, ((ms - (threadsBefore[t] ?? 0)) * 1000) / data.lines] as const)
    .filter(([, us]) => us >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([t, us]) => `${t} ${us.toFixed(2)}`)
    .join(', ');
  return {
    perThread,
    seconds,
    linesPerSec: Math.round(data.lines / seconds),
    serverCpu: cpu / 1000 / seconds,
    cpuUsPerLine: (cpu * 1000) / data.lines,
    clientCpuUsPerLine: (clientCpuUs.user + clientCpuUs.system) / data.lines,
  };
}

console.log(
  `load average before the run: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const keepInput = process.env.BENCH_INPUT_DIR;
if (keepInput) mkdirSync(keepInput, { recursive: true });
const workDir = keepInput ?? mkdtempSync(join(tmpdir(), 'logviewer-bench-input-'));
const t0 = performance.now();
const ndData = prepare('ndjson', LINES, Date.now(), 42, (lines) =>
  Buffer.from(lines.map((l) => l.json).join('\n')),
);
const endMs = ndData.endMs;
const otData = prepare('otlp', OTLP_LINES, endMs, 7, (lines) => encodeOtlp(lines.map((l) => l.record)));
console.log(
  `generated ${ndData.lines + otData.lines} lines in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`,
);
const nd = await ingest('ndjson', ndData, '/api/logs', 'application/x-ndjson');
console.log(
  `NDJSON ingest: ${ndData.lines} lines (${(ndData.raw / 1e6).toFixed(0)} MB raw, ${(ndData.raw / ndData.lines).toFixed(0)} B/line) in ${nd.seconds.toFixed(1)} s = ${nd.linesPerSec} lines/s (batches of ${BATCH}, ${CONCURRENCY} in flight, each acknowledged after fdatasync; server used ${nd.serverCpu.toFixed(2)} cores, ${nd.cpuUsPerLine.toFixed(1)} CPU-µs per line over all its threads)`,
);
console.log(
  `  CPU-µs per NDJSON line by server thread: ${nd.perThread}; bench client ${nd.clientCpuUsPerLine.toFixed(2)}`,
);
const ot = await ingest('otlp', otData, '/v1/logs', 'application/x-protobuf');
console.log(
  `OTLP protobuf ingest: ${otData.lines} lines in ${ot.seconds.toFixed(1)} s = ${ot.linesPerSec} lines/s (server used ${ot.serverCpu.toFixed(2)} cores, ${ot.cpuUsPerLine.toFixed(1)} CPU-µs per line)`,
);
console.log(
  `  CPU-µs per OTLP line by server thread: ${ot.perThread}; bench client ${ot.clientCpuUsPerLine.toFixed(2)}`,
);
if (!keepInput) rmSync(workDir, { recursive: true, force: true });
const afterIngest = await call({ cmd: 'stats' });
console.log(
  `peak RSS of the server process during ingest: ${afterIngest.peakRss} (then: ${afterIngest.memory}); ingest workers still running: ${afterIngest.workers}`,
);
if (afterIngest.smapsAtPeak)
  console.log(
    `  resident MiB at the sampled peak (BENCH_SMAPS=1): ${JSON.stringify(afterIngest.smapsAtPeak)}`,
  );

// Tail lag: a line POSTed while an SSE tail for it is open; time from send to event.
const lags: number[] = [];
const ctrl = new AbortController();
const tail = await fetch(`${base}/api/logs/tail?query=${encodeURIComponent('service:tailprobe')}`, {
  headers: auth,
  signal: ctrl.signal,
});
if (tail.ok && tail.body) {
  const reader = tail.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const waitFor = async (id: string) => {
    for (;;) {
      if (buf.includes(id)) return;
      const { value, done } = await reader.read();
      if (done) throw new Error('tail ended');
      buf += dec.decode(value);
    }
  };
  await waitFor('event: ready');
  for (let i = 0; i < 50; i++) {
    const id = `probe${i}x${Date.now()}`;
    const t = performance.now();
    await fetch(`${base}/api/logs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ service: 'tailprobe', message: id }),
    });
    await waitFor(id);
    lags.push(performance.now() - t);
  }
  ctrl.abort();
}
const sortedLags = [...lags].sort((a, b) => a - b);
const lagLine = lags.length
  ? `tail lag p50 ${sortedLags[Math.floor(lags.length * 0.5)].toFixed(1)} ms, p99 ${sortedLags[Math.floor(lags.length * 0.99)].toFixed(1)} ms (${lags.length} probes, POST → SSE event)`
  : 'tail: endpoint not available';
console.log(lagLine);

await call({ cmd: 'flush' });
const stats = await call({ cmd: 'stats' });
const raw = ndData.raw + otData.raw;
console.log(
  `storage: ${stats.records} records in ${stats.blocks} blocks, ${((stats.diskBytes as number) / 1e6).toFixed(1)} MB on disk for ${(raw / 1e6).toFixed(0)} MB raw JSON = ${((stats.diskBytes as number) / raw).toFixed(3)} bytes per raw byte`,
);

// The server's memory as the queries start (after flush and merges): what they add is their own.
console.log(`before the queries: ${stats.memory}, peak RSS so far ${stats.peakRss}`);
if (stats.smapsAtPeak)
  console.log(`  resident MiB at the sampled peak so far and now: ${JSON.stringify(stats.smapsAtPeak)}`);
const queries: [string, string][] = [
  ['rare word', NEEDLE_WORD],
  ['trace id', `trace_id:${ndData.needleTraceId}`],
  ['phrase', `"${NEEDLE_PHRASE}"`],
  ['service + level', 'service:payments level>=error'],
];
/** A query call's CPU by thread kind and the main thread's collections during it (bench-server.mjs). */
const threadsLine = (r: Record<string, unknown>) => {
  const t = r.cpuByThread as Record<string, number>;
  const gc = r.gc as { minor: number; major: number; ms: number };
  const cpu = Object.entries(t)
    .map(([k, ms]) => `${k} ${ms.toFixed(1)}`)
    .join(', ');
  return `${cpu} CPU-ms; GC ${gc.minor} minor + ${gc.major} major, ${gc.ms.toFixed(1)} ms`;
};
for (const [name, query] of QUERIES ? queries : []) {
  const runs = [];
  const cpu = [];
  for (let i = 0; i < 4; i++) {
    // The server's CPU time around each query (all its threads; the ingest workers idle by now):
    // steadier than wall time on the shared machine.
    const before = (await call({ cmd: 'cpu' })).cpuMs as number;
    runs.push(await call({ cmd: 'query', query, nowMs: endMs + 60_000 }));
    cpu.push(((await call({ cmd: 'cpu' })).cpuMs as number) - before);
  }
  const warm = median(runs.slice(1).map((r) => r.ms as number));
  console.log(
    `query ${name} \`${query}\` (24 h, newest 100): cold ${(runs[0].ms as number).toFixed(1)} ms (${cpu[0].toFixed(0)} CPU-ms; in the call ${threadsLine(runs[0])}), warm median ${warm.toFixed(1)} ms (${median(cpu.slice(1)).toFixed(0)} CPU-ms); ${runs[0].hits} hits, ${runs[0].blocksScanned} blocks decoded, ${runs[0].blocksPruned} pruned by bloom`,
  );
}
if (QUERIES) {
  const hist = [];
  for (let i = 0; i < 4; i++) hist.push(await call({ cmd: 'histogram', nowMs: endMs + 60_000 }));
  console.log(
    `24 h histogram by level: cold ${(hist[0].ms as number).toFixed(1)} ms, warm median ${median(hist.slice(1).map((r) => r.ms as number)).toFixed(1)} ms (${hist[0].buckets} buckets, ${hist[0].total} records, from ${hist[0].source})`,
  );
}
const final = await call({ cmd: 'stats' });
console.log(`after the queries: ${final.memory}`);
console.log(
  `load average after the run: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`peak RSS of the server process: ${final.peakRss} (at the end: ${final.memory})`);
await call({ cmd: 'exit' });
