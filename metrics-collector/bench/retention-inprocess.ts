// In-process cost of a retention pass in which every series leaves memory: SERIES series (one per
// pod, 100 metric names) with 6 samples over an hour, checkpointed, then a pass 3 h later with
// raw=2h (all roll up and are evicted; TTL=1 pushes them with a 1 h TTL instead, so they are also
// removed from SQLite). Prints the pass' CPU time, its slices and the longest ones (CPU ms): what
// the event loop is held for at most between two turns when the server runs it (runInSlices).
//   npx tsx --conditions=development bench/retention-inprocess.ts   (SERIES=100000 TTL=1)
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { openStore } from '../test/store-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
const SERIES = Number(process.env.SERIES ?? 100_000);
let now = T0;
const s = openStore(undefined, { clock: () => now, fsync: false });
for (let m = 0; m < 60; m += 10) {
  for (let from = 0; from < SERIES; from += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, SERIES - from) }, (_, k) => ({
      labels: [
        ['__name__', `m_${(from + k) % 100}`],
        ['pod', `p${from + k}`],
      ] as [string, string][],
      timestamps: [now + m * 60_000],
      values: [m],
    }));
    if (process.env.TTL)
      await s.store.appendSamples(
        batch.map((x) => ({ labels: x.labels, t: x.timestamps[0], v: x.values[0], ttlMs: HOUR })),
      );
    else await s.store.appendRemoteWrite(compressSync(Buffer.from(encodeWriteRequest(batch))));
  }
}
s.store.checkpoint();
now += 3 * HOUR;
const pass = new RetentionJob(s.store, parseRetention('raw=2h')).pass(now);
const slices: number[] = [];
for (;;) {
  const before = process.cpuUsage();
  const r = pass.next();
  const used = process.cpuUsage(before);
  slices.push((used.user + used.system) / 1000);
  if (r.done) {
    console.log(SERIES, 'series', r.value);
    break;
  }
}
const total = slices.reduce((a, b) => a + b, 0);
const longest = [...slices].sort((a, b) => b - a).slice(0, 5);
console.log(
  `CPU ${Math.round(total)} ms in ${slices.length} slices; longest ${longest.map((x) => x.toFixed(0)).join(', ')} ms`,
);
await s.close();
