// In-process cost of /api/v1/metadata's "family still returned" check with many evicted series that
// have rollups: N series over M metric families, one sample each, then retention rolls them up and
// evicts them; one family stays in memory. Prints CPU ms per listMetadata call, median of rounds,
// per mode: `names` (the store's hasMetricName) and `scan` (without it: labelValues('__name__') over
// the whole time axis, what a511d99 did), alternated.
//   npx tsx --conditions=development bench/metadata-inprocess.ts   (SERIES=100000 METRICS=100 ROUNDS=9)
import { listMetadata } from '../src/http/api-meta.js';
import { FormParams } from '../src/http/api-params.js';
import type { SampleSource } from '../src/promql/sample-source.js';
import type { PlainSample } from '../src/store/metrics-store.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { openStore } from '../test/store-helpers.js';

const HOUR = 3_600_000;
const SERIES = Number(process.env.SERIES ?? 100_000);
const METRICS = Number(process.env.METRICS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
let now = T0;
const s = openStore(undefined, { clock: () => now, fsync: false });
for (let from = 0; from < SERIES; from += 10_000) {
  const batch: PlainSample[] = [];
  for (let i = from; i < Math.min(SERIES, from + 10_000); i++)
    batch.push({
      labels: [
        ['__name__', `m_${i % METRICS}`],
        ['pod', `pod-${i}`],
      ],
      t: now,
      v: i,
    });
  await s.store.appendSamples(batch);
}
for (let m = 0; m < METRICS; m++) s.store.metadata.set(`m_${m}`, { type: 'gauge', help: 'h', unit: '' });
s.store.metadata.set('live', { type: 'gauge', help: 'h', unit: '' });
s.store.checkpoint();
now += 3 * HOUR;
await s.store.appendSamples([{ labels: [['__name__', 'live']], t: now, v: 1 }]);
new RetentionJob(s.store, parseRetention('raw=1h,5m=30d,1h=30d')).run(now);
console.log(`series in memory ${s.store.index.size}, stored ${SERIES + 1}`);
const scan: SampleSource = Object.create(s.source, { hasMetricName: { value: undefined } });
const modes = { names: s.source, scan };
const times: Record<string, number[]> = { names: [], scan: [] };
const families: Record<string, number> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const [mode, source] of Object.entries(modes)) {
    const deps = { source, version: 'x', metadata: () => s.store.metadata };
    const c0 = process.cpuUsage();
    families[mode] = Object.keys(listMetadata(deps, new FormParams('/api/v1/metadata', undefined))).length;
    const c = process.cpuUsage(c0);
    times[mode].push((c.user + c.system) / 1000);
  }
}
for (const [mode, ts] of Object.entries(times)) {
  ts.sort((a, b) => a - b);
  const ms = (x: number) => x.toFixed(3);
  console.log(
    `${mode}: ${families[mode]} families; listMetadata CPU ms median ${ms(ts[ROUNDS >> 1])}, min ${ms(ts[0])}, max ${ms(ts[ROUNDS - 1])}`,
  );
}
await s.close();
