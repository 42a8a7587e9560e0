// In-process benchmark of the ingest worker pool as the accept path drives it: POOL_CLIENTS (8)
// concurrent prepare() calls over the bench's gzip envelopes, POOL_EVENTS (3000) per round,
// POOL_ROUNDS (4) rounds after a warm-up. Prints CPU µs per event of the whole process and of each
// of its threads (/proc/self/task), so the main thread's share of the messages shows apart from
// the worker's. No HTTP, no database, no lock needed (~10 s).
// Usage: node --conditions=development --import tsx bench/prepare-pool.bench.ts
import { readdirSync, readFileSync } from 'node:fs';
import { workerPreparer } from '../src/service/preparer.js';
import { envelopeBody, prepareBodies } from './events.js';

const N = Number(process.env.POOL_EVENTS ?? 3000);
const ROUNDS = Number(process.env.POOL_ROUNDS ?? 4);
const CLIENTS = Number(process.env.POOL_CLIENTS ?? 8);
const bodies = prepareBodies(300, 8);
const requests = Array.from({ length: N }, (_, i) =>
  envelopeBody(bodies[i % 300][(i >> 3) % 8], Math.random() < 0.1 ? `new-${i}` : undefined),
);

/** CPU µs of each thread of this process, by "tid(name)". */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      out.set(`${tid}(${name})`, (Number(f[11]) + Number(f[12])) * 10_000); // clock ticks of 10 ms
    } catch {
      // a thread that exited meanwhile
    }
  }
  return out;
}

const pool = workerPreparer(1);
async function round(label: string) {
  let next = 0;
  const threads0 = threadCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < N) {
        const body = requests[next++];
        await pool.prepare({
          endpoint: 'envelope',
          projectId: 1,
          body,
          contentEncoding: 'gzip',
          nowMs: Date.now(),
        });
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const wallUs = ((performance.now() - t0) * 1000) / N;
  const threads = [...threadCpu()]
    .map(([tid, us]) => [tid, (us - (threads0.get(tid) ?? 0)) / N] as const)
    .filter(([, us]) => us >= 1)
    .map(([tid, us]) => `${tid} ${us.toFixed(0)}`)
    .join(', ');
  const total = (cpu.user + cpu.system) / N;
  console.log(
    `${label}: ${total.toFixed(1)} CPU-µs per event (wall ${wallUs.toFixed(0)} µs); threads: ${threads}`,
  );
}
await round('warm-up');
for (let r = 1; r <= ROUNDS; r++) await round(`round ${r}`);
await pool.close();
