// @ts-check
// In-process ingest from the production build (dist/), plain node (no tsx hooks in any thread): the
// frames of bench/write-frames.ts → store.ingestBody with the two ingest workers, 4 bodies in flight,
// no HTTP; prints lines/s, CPU-µs per line over all threads and per thread, peak RSS, and the CPU of
// the final flush. Build first (`npm run build -w log-viewer`), then:
//   [PROFILE_KIND=otlp-protobuf] node bench/profile-ingest-dist.mjs /tmp/lv-frames.bin
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { tuneDatabase } from '../dist/config.js';
import { SqliteLogStore } from '../dist/store/sqlite-log-store.js';
import { readFrames } from './bench-support.mjs';

const file = process.argv[2] ?? '/tmp/lv-frames.bin';
const kind = process.env.PROFILE_KIND === 'otlp-protobuf' ? 'otlp-protobuf' : 'ndjson';
const LINES_PER_FRAME = 5000;

/** CPU ms of each thread of this process (Linux /proc), as the bench server reports them. */
function threadCpuMs() {
  /** @type {Map<string, number>} */
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(`${Number(tid) === process.pid ? 'main' : name}#${tid}`, (Number(f[11]) + Number(f[12])) * 10);
  }
  return out;
}

const dir = makeTempDir('lv-prof-');
const db = openDatabase(join(dir, 'logs.db'));
tuneDatabase(db); // as main.ts does
migrate(db, decodeURIComponent(new URL('../migrations/', import.meta.url).pathname));
const store = new SqliteLogStore({ db, inboxDir: join(dir, 'inbox'), clock: Date.now, sealWorker: true });
await new Promise((r) => setTimeout(r, 300)); // workers started
const threads0 = threadCpuMs();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let lines = 0;
/** @type {Set<Promise<unknown>>} */
const inFlight = new Set();
for (const body of readFrames(file)) {
  lines += LINES_PER_FRAME;
  /** @type {Promise<unknown>} */
  const p = store
    .ingestBody({ kind, body, nowNs: BigInt(Date.now()) * 1_000_000n })
    .then(() => inFlight.delete(p));
  inFlight.add(p);
  if (inFlight.size >= 4) await Promise.race(inFlight);
}
await Promise.all(inFlight);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const perThread = [...threadCpuMs()]
  .map(([t, v]) => /** @type {const} */ ([t, ((v - (threads0.get(t) ?? 0)) * 1000) / lines]))
  .filter(([, us]) => us >= 0.05)
  .sort((a, b) => b[1] - a[1])
  .map(([t, us]) => `${t} ${us.toFixed(2)}`)
  .join(', ');
const peakIngest = Math.round(process.resourceUsage().maxRSS / 1024);
await store.sealsSettled();
const flush0 = process.cpuUsage();
store.flush();
const flush = process.cpuUsage(flush0);
console.log(
  JSON.stringify({
    kind,
    lines,
    linesPerSec: Math.round(lines / (ms / 1000)),
    cpuUsPerLine: +((cpu.user + cpu.system) / lines).toFixed(2),
    cores: +((cpu.user + cpu.system) / 1000 / ms).toFixed(2),
    peakRssMb: peakIngest,
    flushCpuMs: Math.round((flush.user + flush.system) / 1000),
    peakRssAfterFlushMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
console.log(`CPU-µs per line by thread: ${perThread}`);
await store.close();
closeDatabase(db);
rmSync(dir, { recursive: true, force: true });
