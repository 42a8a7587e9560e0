// /api/v1/status/{flags,runtimeinfo,tsdb} in Prometheus 2.42's shapes (web/api/v1/api.go
// serveFlags, serveRuntimeInfo, serveTSDBStatus), filled with this process' settings and the
// store's in-memory series. Grafana, promtool and Prometheus' own UI read these.
import { availableParallelism } from 'node:os';
import { formatDurationMs } from '../promql/literals.js';
import type { MetricsStore } from '../store/metrics-store.js';

/** The settings behind the flags Prometheus would list (query engine, storage, config file). */
export interface StatusSettings {
  lookbackMs: number;
  queryTimeoutMs: number;
  maxConcurrentQueries: number;
  maxSamples: number;
  /** Raw retention (ms) and the disk cap (bytes, 0: none). */
  retentionMs: number;
  maxDiskBytes: number;
  scrapeConfigFile: string;
  logLevel: string;
  /** When the process started (ms), for runtimeinfo's startTime and lastConfigTime. */
  startedMs: number;
}

/** Flags as Prometheus names them, for the settings this collector has: string values, as
 * Prometheus prints each flag's value. Flags with no counterpart here are left out. */
export function statusFlags(s: StatusSettings): Record<string, string> {
  return {
    'config.file': s.scrapeConfigFile,
    'log.level': s.logLevel,
    'query.lookback-delta': formatDurationMs(s.lookbackMs),
    'query.max-concurrency': String(s.maxConcurrentQueries),
    'query.max-samples': String(s.maxSamples),
    'query.timeout': formatDurationMs(s.queryTimeoutMs),
    'storage.tsdb.retention.size': `${s.maxDiskBytes}B`,
    'storage.tsdb.retention.time': formatDurationMs(s.retentionMs),
    'web.enable-remote-write-receiver': 'true',
  };
}

/** Go's time.Time JSON (RFC 3339 with trailing-zero-free fractional seconds). */
function goTime(ms: number, withFraction: boolean): string {
  const iso = new Date(ms).toISOString(); // 2026-11-26T17:10:08.029Z
  const [whole, frac] = iso.slice(0, -1).split('.');
  const digits = withFraction ? frac.replace(/0+$/, '') : '';
  return `${whole}${digits ? `.${digits}` : ''}Z`;
}

/** runtimeinfo: Go runtime fields get this process' nearest equivalents (one JS thread for
 * goroutineCount, the CPUs Node may use for GOMAXPROCS). */
export function runtimeInfo(s: StatusSettings) {
  const retention = [
    formatDurationMs(s.retentionMs),
    ...(s.maxDiskBytes > 0 ? [`${s.maxDiskBytes}B`] : []),
  ].join(' or ');
  return {
    startTime: goTime(s.startedMs, true),
    CWD: process.cwd(),
    reloadConfigSuccess: true,
    lastConfigTime: goTime(s.startedMs, false),
    corruptionCount: 0,
    goroutineCount: 1,
    GOMAXPROCS: availableParallelism(),
    GOGC: '',
    GODEBUG: '',
    storageRetention: retention,
  };
}

interface Stat {
  name: string;
  value: number;
}

/** Prometheus lists the top 10 of each. */
const TOP = 10;

function top(stats: Stat[]): Stat[] {
  return stats
    .sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, TOP);
}

/**
 * The tsdb status over the series held in memory (Prometheus' head block): series and label-pair
 * counts from the index's postings, chunks open or sealed and not yet written, the oldest and
 * newest sample time of those series, and the top 10 metric names, label names (by distinct
 * values and by bytes of values) and label pairs by series count. Returned as JSON text: an empty
 * head has Prometheus' int64 bounds as times, which a JavaScript number cannot carry.
 */
export function tsdbStatusJson(store: Pick<MetricsStore, 'index' | 'heads'>): string {
  const { index, heads } = store;
  let chunkCount = 0;
  let minTime = Number.POSITIVE_INFINITY;
  let maxTime = Number.NEGATIVE_INFINITY;
  for (const id of heads.ids()) {
    if (index.byId[id] === undefined) continue;
    const chunks = (heads.hasApp(id) ? 1 : 0) + heads.sealed(id).length + (heads.outOfOrder(id) ? 1 : 0);
    if (chunks === 0) continue;
    chunkCount += chunks;
    minTime = Math.min(minTime, heads.firstT(id));
    maxTime = Math.max(maxTime, heads.lastT(id));
  }
  let numLabelPairs = 0;
  const byMetricName: Stat[] = [];
  const valueCounts: Stat[] = [];
  const valueBytes: Stat[] = [];
  const pairs: Stat[] = [];
  for (const [name, values] of index.postings) {
    let distinct = 0;
    let bytes = 0;
    for (const [value, posting] of values) {
      const n = posting.ids.length;
      if (n === 0) continue;
      distinct++;
      bytes += Buffer.byteLength(value);
      pairs.push({ name: `${name}=${value}`, value: n });
      if (name === '__name__') byMetricName.push({ name: value, value: n });
    }
    if (distinct === 0) continue;
    numLabelPairs += distinct;
    valueCounts.push({ name, value: distinct });
    valueBytes.push({ name, value: bytes });
  }
  const empty = chunkCount === 0;
  const headStats =
    `{"numSeries":${index.size},"numLabelPairs":${numLabelPairs},"chunkCount":${chunkCount},` +
    `"minTime":${empty ? '9223372036854775807' : minTime},"maxTime":${empty ? '-9223372036854775808' : maxTime}}`;
  const list = (stats: Stat[]) => JSON.stringify(top(stats));
  return (
    `{"headStats":${headStats},"seriesCountByMetricName":${list(byMetricName)},` +
    `"labelValueCountByLabelName":${list(valueCounts)},"memoryInBytesByLabelName":${list(valueBytes)},` +
    `"seriesCountByLabelValuePair":${list(pairs)}}`
  );
}
