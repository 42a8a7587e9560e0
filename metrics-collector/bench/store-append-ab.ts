// JS-thread CPU of the store's remote_write append (snappy, walk, series lookup, head append, log
// write) in two production builds, each run in a fresh process with the image's node flags, the
// builds alternated; no HTTP, so the per-sample path stands out from the per-request one.
//   node --conditions=development --import tsx bench/store-append-ab.ts <dist>[,<other dist>] [series] [samples] [rounds]
// A build is a copy of dist/ with package.json, migrations/ and node_modules reachable from it, as
// for BENCH_COLLECTOR_DIST. FSYNC=true fdatasyncs the log as the server does (default: written,
// not synced). Prints per build and round: JS-thread CPU-s per million samples, all threads', and
// the young-generation collections; PROFILE_DIR=<dir> writes a CPU profile of the ingest. A few seconds per process at 10k × 360; no lock needed.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a .mjs without types, shared with the bench's startCollector
import { serviceNodeFlags } from '../../scripts/service-node-flags.mjs';
import { buildLoad } from './load.js';

const self = fileURLToPath(import.meta.url);

// Run, unless imported (store-append-blocks.ts takes cachedLoad).
if (process.argv[1] === self) {
  if (process.argv[2] === '--child')
    await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
  else parent();
}

function parent(): void {
  const builds = (process.argv[2] ?? new URL('../dist', import.meta.url).pathname).split(',');
  const series = process.argv[3] ?? '10000';
  const samples = process.argv[4] ?? '360';
  const rounds = Number(process.argv[5] ?? 3);
  const flags = serviceNodeFlags(join(self, '../../..'), 'metrics-collector') as string[];
  for (let r = 0; r < rounds; r++) {
    for (const dist of r % 2 === 0 ? builds : builds.toReversed()) {
      const out = execFileSync(
        process.execPath,
        [...flags, '--conditions=development', '--import', 'tsx', self, '--child', dist, series, samples],
        { encoding: 'utf8', env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' } },
      );
      console.log(`round ${r} ${dist}: ${out.trim()}`);
    }
  }
}

async function child(dist: string, series: number, samples: number): Promise<void> {
  const { MetricsStore } = await import(join(dist, 'store/metrics-store.js'));
  const { openDatabase, migrate, closeDatabase } = await import('@flowrent/shared/db');
  const { makeTempDir } = await import('@flowrent/shared/testing');
  const { uncompressSync } = await import('snappy');
  const uncompress = (b: Uint8Array) => uncompressSync(b, { asBuffer: true, copyOutputData: true }) as Buffer;
  const load = cachedLoad(series, samples);
  let scavenges = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e.detail as { kind: number }).kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  }).observe({ entryTypes: ['gc'] });
  const jsThreadS = () =>
    Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  const dir = makeTempDir('mc-append-ab-');
  const db = openDatabase(join(dir, 'metrics.db'));
  migrate(db, join(dist, '../migrations'));
  const store = new MetricsStore({
    db,
    walDir: join(dir, 'wal'),
    uncompressSnappy: uncompress,
    fsync: process.env.FSYNC === 'true',
  });
  await new Promise((r) => setImmediate(r));
  const profiler = process.env.PROFILE_DIR ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const gc0 = scavenges;
  const cpu0 = process.cpuUsage();
  const js0 = jsThreadS();
  const t0 = performance.now();
  const pending: Promise<unknown>[] = [];
  let accepted = 0;
  const WARM = 300;
  let jsWarm = 0;
  for (const [i, body] of load.requests.entries()) {
    if (i === WARM) jsWarm = jsThreadS() - js0;
    pending.push(store.appendRemoteWrite(body).then((r: { accepted: number }) => (accepted += r.accepted)));
    if (pending.length >= 8) await pending.shift();
  }
  await Promise.all(pending);
  const wallS = (performance.now() - t0) / 1000;
  const js = jsThreadS() - js0;
  const cpu = process.cpuUsage(cpu0);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(
      join(process.env.PROFILE_DIR!, `ingest-${process.pid}.cpuprofile`),
      JSON.stringify(profile),
    );
  }
  await new Promise((r) => setImmediate(r));
  const m = load.samples / 1e6;
  if (accepted !== load.samples) throw new Error(`accepted ${accepted} of ${load.samples}`);
  const warmM = (WARM * load.samples) / load.requests.length / 1e6;
  console.log(
    `JS thread ${(js / m).toFixed(3)} CPU-s/M (first ${WARM} requests ${(jsWarm / warmM).toFixed(3)}, ` +
      `the rest ${((js - jsWarm) / (m - warmM)).toFixed(3)}), all threads ${((cpu.user + cpu.system) / 1e6 / m).toFixed(3)}, ` +
      `${(m / wallS).toFixed(2)} M samples/s, ${scavenges - gc0} scavenges`,
  );
  const checkpointsDuringIngest = store.stats.checkpoints;
  const c0 = jsThreadS();
  store.checkpoint();
  console.log(
    `  checkpoints during the ingest: ${checkpointsDuringIngest}; one after it: ${((jsThreadS() - c0) * 1000).toFixed(0)} ms of JS thread`,
  );
  await store.close();
  closeDatabase(db);
}

/** The bench load, encoded once per machine boot into the temp folder (a 100k × 60 load takes
 * seconds to build); its timestamps are those of the first build, which the store does not mind. */
export function cachedLoad(series: number, samples: number): { requests: Buffer[]; samples: number } {
  const file = join(tmpdir(), `mc-append-ab-load-${series}x${samples}.bin`);
  if (!existsSync(file)) {
    const load = buildLoad(series, samples, 60_000, Date.now());
    const parts: Buffer[] = [];
    for (const r of load.requests) {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(r.length);
      parts.push(len, r);
    }
    writeFileSync(`${file}.tmp`, Buffer.concat(parts));
    renameSync(`${file}.tmp`, file);
  }
  const all = readFileSync(file);
  const requests: Buffer[] = [];
  for (let at = 0; at < all.length; ) {
    const len = all.readUInt32LE(at);
    requests.push(Buffer.from(all.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  return { requests, samples: series * samples };
}
