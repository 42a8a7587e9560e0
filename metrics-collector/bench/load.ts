// The benchmark's remote_write load: series of a realistic mix, pre-encoded into snappy-compressed
// WriteRequests before the clock starts. Each request carries SERIES_PER_REQUEST series ×
// STEPS_PER_REQUEST consecutive samples (≈ 2,000 samples); requests go out time block by time block
// so that no two requests in flight touch the same series out of order.
//   50% counters   bench_requests_total{instance,route}   integer increments 0..50 per step
//   20% gauges     bench_temperature{instance,sensor}     2-decimal random walk
//   20% histogram  bench_latency_seconds_bucket{instance,le}  cumulative integer counts
//   10% constants  bench_info{instance,version}           1
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';

export interface Load {
  series: number;
  samplesPerSeries: number;
  stepMs: number;
  startMs: number;
  endMs: number;
  requests: Buffer[];
  samples: number;
}

const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function labelsOf(i: number): [string, string][] {
  const kind = i % 10;
  const instance = `host-${Math.floor(i / 100)}`;
  const l = (name: string, extra: [string, string][]): [string, string][] =>
    [
      ['__name__', name] as [string, string],
      ['instance', instance] as [string, string],
      ['job', 'bench'] as [string, string],
      ...extra,
    ].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (kind < 5) return l('bench_requests_total', [['route', `/r${i % 100}`]]);
  if (kind < 7) return l('bench_temperature', [['sensor', `s${i % 100}`]]);
  if (kind < 9)
    return l('bench_latency_seconds_bucket', [
      ['le', LE[i % LE.length]],
      ['shard', `${i % 100}`],
    ]);
  return l('bench_info', [['version', `v${i % 100}`]]);
}

export function buildLoad(series: number, samplesPerSeries: number, stepMs: number, nowMs: number): Load {
  const stepsPerRequest = Math.min(10, samplesPerSeries);
  const seriesPerRequest = Math.max(1, Math.round(2000 / stepsPerRequest));
  const endMs = Math.floor(nowMs / stepMs) * stepMs - stepMs;
  const startMs = endMs - (samplesPerSeries - 1) * stepMs;
  const labels = Array.from({ length: series }, (_, i) => labelsOf(i));
  const values = new Float64Array(series);
  const r = rng(42);
  for (let i = 0; i < series; i++)
    values[i] = i % 10 === 9 ? 1 : i % 10 >= 5 && i % 10 < 7 ? 20 + r() * 10 : 0;
  const requests: Buffer[] = [];
  for (let step = 0; step < samplesPerSeries; step += stepsPerRequest) {
    const steps = Math.min(stepsPerRequest, samplesPerSeries - step);
    for (let first = 0; first < series; first += seriesPerRequest) {
      const batch = [];
      for (let i = first; i < Math.min(series, first + seriesPerRequest); i++) {
        const ts: number[] = [];
        const vs: number[] = [];
        for (let k = 0; k < steps; k++) {
          const kind = i % 10;
          if (kind < 5) values[i] += Math.floor(r() * 51);
          else if (kind < 7) values[i] = Math.round((values[i] + (r() - 0.5)) * 100) / 100;
          else if (kind < 9) values[i] += Math.floor(r() * 5);
          ts.push(startMs + (step + k) * stepMs);
          vs.push(values[i]);
        }
        batch.push({ labels: labels[i], timestamps: ts, values: vs });
      }
      requests.push(compressSync(Buffer.from(encodeWriteRequest(batch))));
    }
  }
  return { series, samplesPerSeries, stepMs, startMs, endMs, requests, samples: series * samplesPerSeries };
}
