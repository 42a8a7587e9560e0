// In-process harness for the durable ingest path without HTTP: NDJSON bodies (or, with
// PROFILE_KIND=loki-protobuf, snappy Loki pushes) → store.ingestBody (with the ingest workers, 4
// bodies in flight, as the bench sends them) → sealing; prints wall time and CPU-µs per line over all
// threads of the process.
//   PROFILE_LINES=300000 [PROFILE_KIND=loki-protobuf] node --conditions=development --import tsx bench/profile-ingest.ts
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { SqliteLogStore } from '../src/store/sqlite-log-store.js';
import { createGenerator } from './generate.js';
import { encodeLokiPush } from './loki-encode.js';

const LINES = Number(process.env.PROFILE_LINES ?? 300_000);
const WORKERS = Number(process.env.PROFILE_WORKERS ?? 2);
const KIND = process.env.PROFILE_KIND === 'loki-protobuf' ? 'loki-protobuf' : 'ndjson';
const dir = makeTempDir('lv-prof-');
const db = openDatabase(join(dir, 'logs.db'));
migrate(db, decodeURIComponent(new URL('../migrations/', import.meta.url).pathname));
const store = new SqliteLogStore({
  db,
  inboxDir: join(dir, 'inbox'),
  clock: Date.now,
  sealWorker: WORKERS > 0,
  workers: WORKERS,
});
const gen = createGenerator(LINES, Date.now(), 86_400_000, 7);
const bodies: Buffer[] = [];
let raw = 0;
for (;;) {
  const b = gen.next(5000);
  if (b.length === 0) break;
  const ndjson = Buffer.from(b.map((l) => l.json).join('\n'));
  raw += ndjson.length;
  bodies.push(KIND === 'ndjson' ? ndjson : encodeLokiPush(b));
}
await new Promise((r) => setTimeout(r, 300)); // workers started
/** CPU ms of each thread of this process (Linux /proc), as the bench server reports them. */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(`${Number(tid) === process.pid ? 'main' : name}#${tid}`, (Number(f[11]) + Number(f[12])) * 10);
  }
  return out;
}
const threads0 = threadCpuMs();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const inFlight = new Set<Promise<unknown>>();
for (const body of bodies) {
  const p: Promise<unknown> = store
    .ingestBody({ kind: KIND, body, nowNs: BigInt(Date.now()) * 1_000_000n })
    .then(() => inFlight.delete(p));
  inFlight.add(p);
  if (inFlight.size >= 4) await Promise.race(inFlight);
}
await Promise.all(inFlight);
const ingestMs = performance.now() - t0;
const cpu1 = process.cpuUsage(cpu0);
const cpuUs = cpu1.user + cpu1.system;
const perThread = [...threadCpuMs()]
  .map(([t, ms]) => [t, ((ms - (threads0.get(t) ?? 0)) * 1000) / LINES] as const)
  .filter(([, us]) => us >= 0.05)
  .sort((a, b) => b[1] - a[1])
  .map(([t, us]) => `${t} ${us.toFixed(2)}`)
  .join(', ');
await store.sealsSettled();
store.flush();
const du = (d: string): number =>
  readdirSync(d).reduce((n, f) => {
    const st = statSync(join(d, f));
    return n + (st.isDirectory() ? du(join(d, f)) : st.size);
  }, 0);
console.log(
  JSON.stringify({
    kind: KIND,
    lines: LINES,
    workers: WORKERS,
    linesPerSec: Math.round(LINES / (ingestMs / 1000)),
    cpuUsPerLine: +(cpuUs / LINES).toFixed(2),
    cores: +(cpuUs / 1000 / ingestMs).toFixed(2),
    blocks: store.stats().blocks,
    diskPerRaw: +(du(dir) / raw).toFixed(4),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
console.log(`CPU-µs per line by thread: ${perThread}`);
await store.close();
closeDatabase(db);
rmSync(dir, { recursive: true, force: true });
