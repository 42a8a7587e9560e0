// JS-thread CPU per raw single-series query_range call (the bench's `bench_requests_total{instance=
// "host-0",route="/r0"}`), 360 points (6 h at 60 s) and 60 points (the last hour), over HTTP on
// loopback with one call in flight, as the bench sends it. Each build is started as the image runs
// it (bench/systems.ts' startCollector), given the bench's 10k × 360 load, warmed, then measured;
// builds alternate, a fresh process each round. The difference between the two ranges is the
// per-point cost, the rest the fixed per-request cost.
//   node --conditions=development --import tsx bench/query-raw-ab.ts <dist/main.js>[,<other build>] [rounds] [calls]
import { rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { makeTempDir } from '@flowrent/shared/testing';
import { buildLoad } from './load.js';
import { mainThreadCpuSeconds, sendRemoteWrite, startCollector, type System } from './systems.js';

const builds = (process.argv[2] ?? new URL('../dist/main.js', import.meta.url).pathname).split(',');
const rounds = Number(process.argv[3] ?? 3);
const calls = Number(process.argv[4] ?? 3000);
const load = buildLoad(10_000, 360, 60_000, Date.now());
const QUERY = 'bench_requests_total{instance="host-0",route="/r0"}';

function post(agent: Agent, sys: System, body: string): Promise<string> {
  const u = new URL(`${sys.url}/api/v1/query_range`);
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
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(parts).toString())
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(dist: string): Promise<{ us360: number; us60: number; bodies: string[] }> {
  const dir = makeTempDir('query-raw-ab-');
  process.env.BENCH_COLLECTOR_DIST = dist; // read by startCollector
  const sys = await startCollector(dir);
  const pid = sys.process.pid ?? 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < load.requests.length) await sendRemoteWrite(agent, sys, load.requests[next++]);
    }),
  );
  const form = (startMs: number) =>
    new URLSearchParams({
      query: QUERY,
      start: String(startMs / 1000),
      end: String(load.endMs / 1000),
      step: '60',
    }).toString();
  const f360 = form(load.startMs);
  const f60 = form(load.endMs - 59 * 60_000);
  const bodies = [await post(agent, sys, f360), await post(agent, sys, f60)];
  for (let i = 0; i < 500; i++) await post(agent, sys, i % 2 ? f360 : f60);
  const usPerCall = async (f: string) => {
    const cpu0 = mainThreadCpuSeconds(pid);
    for (let i = 0; i < calls; i++) await post(agent, sys, f);
    return ((mainThreadCpuSeconds(pid) - cpu0) / calls) * 1e6;
  };
  const us360 = await usPerCall(f360);
  const us60 = await usPerCall(f60);
  // The bench's client: fetch + res.json(), median wall time of 301 calls of each range, alternated.
  const fetchOnce = async (f: string) => {
    const t0 = performance.now();
    const res = await fetch(`${sys.url}/api/v1/query_range`, {
      method: 'POST',
      headers: { ...sys.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: f,
    });
    await res.json();
    return (performance.now() - t0) * 1000;
  };
  const walls: [number[], number[]] = [[], []];
  for (let i = 0; i < 602; i++) walls[i % 2].push(await fetchOnce(i % 2 ? f60 : f360));
  const [wall360, wall60] = walls.map((t) => t.sort((a, b) => a - b)[150]);
  console.log(`  fetch median ${wall360.toFixed(0)} us at 360 points, ${wall60.toFixed(0)} at 60`);
  agent.destroy();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
  return { us360, us60, bodies };
}

let reference: string[] | undefined;
for (let r = 0; r < rounds; r++) {
  for (const dist of r % 2 === 0 ? builds : builds.toReversed()) {
    const { us360, us60, bodies } = await measure(dist);
    reference ??= bodies;
    const same = bodies.every((b, i) => b === reference?.[i]);
    console.log(
      `${dist}: JS thread ${us360.toFixed(0)} us/call at 360 points, ${us60.toFixed(0)} at 60 ` +
        `(${((us360 - us60) / 300).toFixed(2)} us/point, ${(us60 - (60 * (us360 - us60)) / 300).toFixed(0)} fixed); ` +
        `bodies ${same ? 'identical' : 'DIFFER'} (${bodies[0].length} chars)`,
    );
  }
}
