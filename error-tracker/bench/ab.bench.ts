// Interleaved A/B of whole servers under the bench's load: starts one server per arm (each its own
// build and environment, temp database, 127.0.0.1), then drives them in turn with BENCH_CLIENTS (8)
// closed-loop clients for AB_ROUND seconds (2) each, AB_ROUNDS (8) times after a warm-up round,
// the arm that goes first alternating. The machine's load, which moves from second to second on
// this shared machine, then hits every arm alike; separate runs minutes apart could not tell a 10 %
// difference. Prints each round's rate and the server's CPU-ms per event (the round's process CPU,
// grouping of its events included), then medians.
// Usage (under the lock; one build per arm, e.g. `git archive` of the old commit, built):
//   AB_ARMS='[{"name":"old","dist":"/tmp/old/error-tracker/dist"},{"name":"new"}]' \
//     flock /tmp/bench.lock node --conditions=development --import tsx bench/ab.bench.ts
// An arm is {name, dist? (default: this workspace's dist/), env? (extra environment), flags? (the
// server's node flags, default the Dockerfile's '--max-semi-space-size=1')}.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeanClient } from './http-client.js';
import { envelopeBody, prepareBodies } from './events.js';

interface Arm {
  name: string;
  dist?: string;
  env?: Record<string, string>;
  flags?: string;
}
const ARMS = JSON.parse(process.env.AB_ARMS ?? '[]') as Arm[];
const ROUND_SECONDS = Number(process.env.AB_ROUND ?? 2);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const GROUPS = 300;
const VARIANTS = 8;
if (ARMS.length < 2) throw new Error('AB_ARMS must list at least two arms (see the head of this file)');

const bodies = prepareBodies(GROUPS, VARIANTS);
let sent = 0;
function nextBody(): Buffer {
  const n = sent++;
  const body = bodies[n % GROUPS][(n >> 3) % VARIANTS];
  return Math.random() < 0.1 ? envelopeBody(body, `new-${n}`) : envelopeBody(body);
}

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks
}

interface Server {
  arm: Arm;
  child: ChildProcess;
  dataDir: string;
  base: string;
  client: LeanClient;
  rates: number[];
  cpuMs: number[];
}

async function start(arm: Arm, port: number): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'et-ab-'));
  const dist = arm.dist ?? new URL('../dist', import.meta.url).pathname;
  const flags = (arm.flags ?? '--max-semi-space-size=1').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, join(dist, 'main.js')], {
    env: {
      ...process.env,
      ...arm.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      API_KEY: 'bench-admin-key',
      DEFAULT_PROJECT_KEY: 'benchkey',
      LOG_LEVEL: 'warn',
      INGEST_MAX_PENDING: '1000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${arm.name}: server did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { arm, child, dataDir, base, client: new LeanClient('127.0.0.1', port, 64), rates: [], cpuMs: [] };
}

async function pending(s: Server): Promise<number> {
  const res = await fetch(`${s.base}/metrics`, { headers: { authorization: 'Bearer bench-admin-key' } });
  return Number(/^errors_inbox_pending(?:\{\})? (\d+)/m.exec(await res.text())?.[1] ?? 0);
}

/** One round on one server: closed-loop clients, then until its inbox is grouped. */
async function round(s: Server): Promise<{ rate: number; cpuMs: number }> {
  const pid = s.child.pid as number;
  const cpu0 = cpuSecondsOf(pid);
  let accepted = 0;
  const t0 = performance.now();
  const stopAt = t0 + ROUND_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < stopAt) {
        const status = await s.client.post(
          '/api/1/envelope/?sentry_key=benchkey',
          { 'content-encoding': 'gzip' },
          nextBody(),
        );
        if (status === 200) accepted++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  while ((await pending(s)) > 0) await new Promise((r) => setTimeout(r, 50));
  return { rate: accepted / seconds, cpuMs: ((cpuSecondsOf(pid) - cpu0) * 1000) / accepted };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const firstPort = 16010 + Math.floor(Math.random() * 500);
const servers = await Promise.all(ARMS.map((arm, i) => start(arm, firstPort + i)));
try {
  for (let r = 0; r <= ROUNDS; r++) {
    for (let i = 0; i < servers.length; i++) {
      const s = servers[(i + r) % servers.length];
      const { rate, cpuMs } = await round(s);
      if (r === 0) continue; // warm-up
      s.rates.push(rate);
      s.cpuMs.push(cpuMs);
      console.log(
        `round ${r} ${s.arm.name}: ${rate.toFixed(0)} events/s, ${cpuMs.toFixed(3)} CPU-ms per event, load ${loadavg()[0].toFixed(1)}`,
      );
    }
  }
  for (const s of servers) {
    console.log(
      `${s.arm.name}: median ${median(s.rates).toFixed(0)} events/s, ${median(s.cpuMs).toFixed(3)} CPU-ms per event (rates ${s.rates.map((x) => x.toFixed(0)).join(' ')})`,
    );
  }
} finally {
  for (const s of servers) {
    s.client.close();
    s.child.kill('SIGTERM');
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.child.once('exit', r))));
  for (const s of servers) rmSync(s.dataDir, { recursive: true, force: true });
}
