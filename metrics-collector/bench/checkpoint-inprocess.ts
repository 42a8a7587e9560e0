// In-process cost of the 5-minute checkpoint at scale: SERIES series × SAMPLES samples (the bench's
// remote_write load, store-append-ab.ts' cached copy) ingested, checkpointed once (new series and
// heads), then one more sample for every series and a second checkpoint: every head stripe is
// re-encoded, the steady state when series are scraped more often than every 5 minutes. Prints
// the JS-thread CPU of both (the event loop is held that long: checkpoint() is synchronous);
// PROFILE_DIR=<dir> writes a CPU profile of the second (bench/profile-summary.ts reads it).
//   node --conditions=development --import tsx bench/checkpoint-inprocess.ts   (SERIES=100000 SAMPLES=60)
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { openStore } from '../test/store-helpers.js';
import { cachedLoad } from './store-append-ab.js';

const SERIES = Number(process.env.SERIES ?? 100_000);
const SAMPLES = Number(process.env.SAMPLES ?? 60);
const jsThreadMs = () =>
  Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

const s = openStore(undefined, { fsync: false });
const { store } = s;
const pending: Promise<unknown>[] = [];
for (const body of cachedLoad(SERIES, SAMPLES).requests) {
  pending.push(store.appendRemoteWrite(body));
  if (pending.length >= 8) await pending.shift();
}
await Promise.all(pending);
let t = jsThreadMs();
store.checkpoint();
console.log(`first checkpoint (new series and heads): ${(jsThreadMs() - t).toFixed(0)} ms of JS thread`);

const infos = store.index.byId.filter((i) => i !== undefined);
const next = Math.max(...infos.slice(0, 100).map((i) => store.heads.lastT(i.id))) + 60_000;
for (let k = 0; k < infos.length; k += 1000) {
  const series = infos.slice(k, k + 1000).map((i) => ({ labels: i.labels, timestamps: [next], values: [1] }));
  await store.appendRemoteWrite(compressSync(Buffer.from(encodeWriteRequest(series))));
}
const profiler = process.env.PROFILE_DIR ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
t = jsThreadMs();
const wall = performance.now();
store.checkpoint();
console.log(
  `steady checkpoint (every head changed): ${(jsThreadMs() - t).toFixed(0)} ms of JS thread, ${(performance.now() - wall).toFixed(0)} ms wall`,
);
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  const file = join(process.env.PROFILE_DIR!, `checkpoint-${process.pid}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`profile: ${file}`);
}
await s.close();
