// @ts-check
// HTTP A/B of the ingest path between builds: each round starts the bench server (bench-server.mjs,
// production build) of every given checkout in turn, POSTs the same frames (bench/write-frames.ts)
// over real HTTP as run-bench.ts does (node:http, kept-alive, 4 in flight, each answer after
// fdatasync), and prints the server's CPU-µs per line per thread group; medians at the end.
// Checkouts are folders holding a built shared/ and log-viewer/ (dist/), e.g. `git archive` of two
// commits with `tsc -p` run in each. Run under the bench lock:
//   flock /tmp/bench.lock node bench/ab-http.mjs FRAMES ROUNDS PATH_OR_KIND DIR_A DIR_B [...]
// PATH_OR_KIND: ndjson (POST /api/logs) or otlp (POST /v1/logs). DIR@--flag,--flag runs that checkout
// with those node flags instead of BENCH_NODE_FLAGS (default: the Dockerfile's --max-semi-space-size=2).
import { fork } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';

const [file, roundsArg, kind, ...dirs] = process.argv.slice(2);
const rounds = Number(roundsArg);
const path = kind === 'otlp' ? '/v1/logs' : '/api/logs';
const type = kind === 'otlp' ? 'application/x-protobuf' : 'application/x-ndjson';
const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);

/** @returns {Buffer[]} */
function readFrames() {
  const fd = openSync(file, 'r');
  const len = Buffer.alloc(4);
  const out = [];
  while (readSync(fd, len, 0, 4, null) === 4) {
    const b = Buffer.allocUnsafe(len.readUInt32LE());
    readSync(fd, b, 0, b.length, null);
    out.push(b);
  }
  closeSync(fd);
  return out;
}
const frames = readFrames();
const lines = frames.length * 5000;

/** @param {string} spec a checkout, optionally `@` and its own node flags (comma-separated) */
async function runOnce(spec) {
  const [dir, own] = spec.split('@');
  const server = fork(`${dir}/log-viewer/bench/bench-server.mjs`, [], {
    execArgv: own === undefined ? flags : own.split(',').filter(Boolean),
    env: { MALLOC_MMAP_THRESHOLD_: '1048576', ...process.env },
  });
  /** @type {((m: any) => void)[]} */
  const replies = [];
  server.on('message', (m) => replies.shift()?.(m));
  /** @param {object} msg @returns {Promise<any>} */
  const call = (msg) =>
    new Promise((resolve) => {
      replies.push(resolve);
      if (Object.keys(msg).length > 0) server.send(msg);
    });
  const { port } = await call({});
  // Let the workers' start-up warm-up finish before counting (it is not per-line work).
  await new Promise((r) => setTimeout(r, 3000));
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  /** @param {Buffer} body @returns {Promise<void>} */
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = request(
        `http://127.0.0.1:${port}${path}`,
        {
          method: 'POST',
          agent,
          headers: { authorization: 'Bearer bench-key', 'content-type': type, 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  /** @type {Record<string, number>} */
  const t0 = (await call({ cmd: 'threads' })).threads;
  // A marker for node flags that trace (--trace-opt, --trace-deopt): what follows is the ingest.
  if (process.env.AB_MARK === '1') console.log(`--- ingest starts (${spec})`);
  const started = performance.now();
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();
  for (const f of frames) {
    /** @type {Promise<void>} */
    const p = post(f).then(() => {
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  /** @type {Record<string, number>} */
  const t1 = (await call({ cmd: 'threads' })).threads;
  agent.destroy();
  await call({ cmd: 'exit' });
  // Thread names say nothing here (all "node"): the main thread is the process id, the ingest workers
  // are the two busiest others, the rest V8's helper threads and libuv's pool.
  const others = [];
  let main = 0;
  for (const [t, ms] of Object.entries(t1)) {
    const us = ((ms - (t0[t] ?? 0)) * 1000) / lines;
    if (t.startsWith('main#')) main = us;
    else others.push(us);
  }
  others.sort((a, b) => b - a);
  const groups = {
    main,
    w1: others[0] ?? 0,
    w2: others[1] ?? 0,
    helpers: others.slice(2).reduce((a, b) => a + b, 0),
  };
  const total = Object.values(groups).reduce((a, b) => a + b, 0);
  return { total, ...groups, cores: (total * lines) / 1e6 / seconds, s: seconds };
}

/** @type {Record<string, Record<string, number>[]>} */
const results = {};
for (let r = 0; r < rounds; r++) {
  for (const dir of r % 2 === 0 ? dirs : [...dirs].reverse()) {
    const load = loadavg()[0].toFixed(1);
    const x = await runOnce(dir);
    if (!results[dir]) results[dir] = [];
    results[dir].push(x);
    const fmt = Object.entries(x)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(' ');
    console.log(`round ${r} ${dir} load ${load}: ${fmt}`);
  }
}
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const dir of dirs) {
  const keys = Object.keys(results[dir][0]);
  console.log(
    `median ${dir}: ${keys.map((k) => `${k} ${median(results[dir].map((x) => x[k] ?? 0)).toFixed(2)}`).join(' ')}`,
  );
}
