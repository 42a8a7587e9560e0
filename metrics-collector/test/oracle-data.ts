// Fixture for the PromQL oracle test: a deterministic small fleet (node-exporter and RED-style
// series, a counter reset, a target that disappears with staleness markers) and a hand-written
// remote_write encoder (protobufjs would canonicalize the stale-marker NaN).
import snappy from 'snappy';
import type { Labels } from '../src/promql/sample-source.js';

export const T0 = 1_700_000_000_000;
export const SPAN = 3_600_000;
const SCRAPE = 15_000;

// ---- data ---------------------------------------------------------------------------------------

export interface Sample {
  labels: Labels;
  t: number;
  v: number;
  stale?: boolean;
}

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A small node-exporter + RED-style fleet: 3 hosts, one of them going away at 40 m (stale markers). */
export function generateSamples(): Sample[] {
  const rand = rng(42);
  const out: Sample[] = [];
  const hosts = ['host-1:9100', 'host-2:9100', 'host-3:9100'];
  const counters = new Map<string, number>();
  const bump = (key: string, inc: number) => {
    const v = (counters.get(key) ?? 0) + inc;
    counters.set(key, v);
    return v;
  };
  const buckets = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  for (let k = 0; k * SCRAPE <= SPAN; k++) {
    for (const [h, instance] of hosts.entries()) {
      // host-2 scrapes with a few ms of jitter, host-3 disappears at 40 m.
      const t = T0 + k * SCRAPE + (h === 1 ? Math.floor(rand() * 40) : 0);
      const gone = h === 2 && k * SCRAPE >= 40 * 60_000;
      const node = { job: 'node', instance };
      const push = (name: string, extra: Labels, v: number) => {
        const labels = { __name__: name, ...node, ...extra };
        if (!gone) out.push({ labels, t, v });
        else if (k * SCRAPE === 40 * 60_000) out.push({ labels, t, v: Number.NaN, stale: true });
      };
      push('up', {}, h === 1 && k >= 100 && k < 110 ? 0 : 1);
      push('node_load1', {}, Math.round((0.5 + h * 0.6 + rand()) * 100) / 100);
      push('node_boot_time_seconds', {}, T0 / 1000 - 86_400 * (h + 1));
      push('node_uname_info', { nodename: `n${h + 1}` }, 1);
      push('node_memory_MemTotal_bytes', {}, 8e9 * (h + 1));
      push('node_memory_MemAvailable_bytes', {}, Math.round(8e9 * (h + 1) * (0.3 + 0.4 * rand())));
      push('process_resident_memory_bytes', {}, Math.round(5e7 + 1e7 * rand() + k * 1e4));
      for (const [device, mountpoint, fstype] of [
        ['sda1', '/', 'ext4'],
        ['sdb1', '/data', 'xfs'],
        ['tmpfs', '/run', 'tmpfs'],
      ]) {
        const fs = { device, mountpoint, fstype };
        push('node_filesystem_size_bytes', fs, 1e11);
        push('node_filesystem_avail_bytes', fs, 6e10 - k * 1e7 * (h + 1) - Math.round(rand() * 1e6));
      }
      for (const cpu of ['0', '1']) {
        for (const mode of ['idle', 'user', 'system', 'iowait']) {
          const inc = (SCRAPE / 1000) * (mode === 'idle' ? 0.6 : 0.13) * (0.5 + rand());
          push(
            'node_cpu_seconds_total',
            { cpu, mode },
            Math.round(bump(`${instance}${cpu}${mode}`, inc) * 100) / 100,
          );
        }
      }
      const api = { job: 'api', instance: instance.replace('9100', '8080') };
      const pushApi = (name: string, extra: Labels, v: number) => {
        if (!gone) out.push({ labels: { __name__: name, ...api, ...extra }, t, v });
      };
      for (const method of ['GET', 'POST']) {
        for (const status of ['200', '404', '500']) {
          const key = `${instance}${method}${status}`;
          const rate = status === '200' ? 20 : status === '404' ? 2 : 0.4;
          let v = bump(key, Math.floor(rate * (SCRAPE / 1000) * rand() * 2));
          // One counter resets at 30 m (process restart).
          if (h === 0 && method === 'GET' && status === '200' && k * SCRAPE === 30 * 60_000) {
            counters.set(key, 3);
            v = 3;
          }
          pushApi('http_requests_total', { method, status }, v);
        }
      }
      let cum = 0;
      for (const le of buckets) {
        cum += Math.floor(rand() * 10 * (le === '+Inf' ? 0.2 : 1));
        pushApi('http_request_duration_seconds_bucket', { le }, bump(`${instance}b${le}`, cum));
      }
      pushApi('http_request_duration_seconds_count', {}, counters.get(`${instance}b+Inf`) ?? 0);
      pushApi(
        'http_request_duration_seconds_sum',
        {},
        Math.round(bump(`${instance}sum`, cum * 0.21) * 1000) / 1000,
      );
    }
  }
  return out;
}

// ---- remote write (hand-encoded: protobufjs would canonicalize the stale NaN) -------------------

function varint(n: number, out: number[]): void {
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function field(tag: number, body: number[], out: number[]): void {
  out.push(tag);
  varint(body.length, out);
  for (const b of body) out.push(b);
}

function str(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

export function encodeWriteRequest(samples: Sample[]): Buffer {
  const bySeries = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = JSON.stringify(Object.entries(s.labels).sort());
    const list = bySeries.get(key);
    if (list) list.push(s);
    else bySeries.set(key, [s]);
  }
  const out: number[] = [];
  for (const list of bySeries.values()) {
    const ts: number[] = [];
    for (const [name, value] of Object.entries(list[0].labels).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const label: number[] = [];
      field(0x0a, str(name), label);
      field(0x12, str(value), label);
      field(0x0a, label, ts);
    }
    for (const s of list) {
      const buf = Buffer.alloc(8);
      if (s.stale) buf.writeBigUInt64LE(0x7ff0000000000002n);
      else buf.writeDoubleLE(s.v);
      const sample: number[] = [0x09, ...buf];
      sample.push(0x10);
      varint(s.t, sample);
      field(0x12, sample, ts);
    }
    field(0x0a, ts, out);
  }
  return snappy.compressSync(Buffer.from(out));
}
