// What one remote_write request costs the collector's JS thread apart from its samples: HTTP,
// routing, auth, metrics, the answer. Starts each build as the image runs it (a fresh process per
// run, builds alternated; bench/systems.ts' startCollector), sends empty WriteRequests (204, nothing logged) with 8 in flight, and
// prints the JS thread's CPU per request over the first 1,000 (a fresh process' code) and the next N.
//   node --conditions=development --import tsx bench/write-overhead.ts <dist/main.js>[,<other build>] [rounds] [N]
// A build is a copy of dist/ with package.json, migrations/ and node_modules reachable from it,
// as for BENCH_COLLECTOR_DIST. Short (seconds); no lock needed, but mind the load.
import { rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { makeTempDir } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import { mainThreadCpuSeconds, sendRemoteWrite, startCollector } from './systems.js';

const builds = (process.argv[2] ?? new URL('../dist/main.js', import.meta.url).pathname).split(',');
const rounds = Number(process.argv[3] ?? 3);
const steady = Number(process.argv[4] ?? 6000);
const EMPTY = compressSync(Buffer.alloc(0));
const IN_FLIGHT = 8;

async function measure(dist: string): Promise<{ first: number; steady: number }> {
  const dir = makeTempDir('write-overhead-');
  process.env.BENCH_COLLECTOR_DIST = dist; // read by startCollector
  const sys = await startCollector(dir);
  const pid = sys.process.pid ?? 0;
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const send = () => sendRemoteWrite(agent, sys, EMPTY);
  const usPerRequest = async (n: number) => {
    const cpu0 = mainThreadCpuSeconds(pid);
    let left = n;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (left-- > 0) {
          const status = await send();
          if (status !== 204) throw new Error(`answered ${status}`);
        }
      }),
    );
    return ((mainThreadCpuSeconds(pid) - cpu0) / n) * 1e6;
  };
  const first = await usPerRequest(1000);
  const rest = await usPerRequest(steady);
  agent.destroy();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
  return { first, steady: rest };
}

for (let r = 0; r < rounds; r++) {
  for (const dist of r % 2 === 0 ? builds : builds.toReversed()) {
    const { first, steady: rest } = await measure(dist);
    console.log(
      `${dist}: JS thread ${first.toFixed(0)} us/request over the first 1,000 empty writes, ` +
        `${rest.toFixed(0)} over the next ${steady}`,
    );
  }
}
