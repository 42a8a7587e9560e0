// Scrapes Prometheus text / OpenMetrics targets on a schedule. Like Prometheus 2.42: the same
// Accept and X-Prometheus-Scrape-Timeout-Seconds headers, a failed parse fails the whole scrape,
// honor_labels decides label clashes (exported_ prefix otherwise), and every scrape writes `up`,
// `scrape_duration_seconds` and `scrape_samples_scraped`. Sample timestamps are the scheduled
// tick (not the moment the response arrived), so regular series compress to ~1 bit per timestamp.
// Time comes from `clock`; timers only decide when to call scrapeRound(), which tests call directly.
// Series that vanish, failed scrapes and removed targets get staleness markers (scrape-staleness.ts).
import { fetchErrorMessage } from '@flowrent/shared/fetch-error';
import { isOpenMetricsContentType, parseExposition } from '../ingest/exposition.js';
import { formatDurationMs } from '../promql/literals.js';
import type { MetricsStore, PlainSample } from '../store/metrics-store.js';
import { relabel } from './relabel.js';
import {
  readFileSd,
  type ScrapeConfig,
  type ScrapeJob,
  scrapeCredentials,
  type TargetGroup,
} from './scrape-config.js';
import { expireTargets, ScrapedSeries, type TargetState } from './scrape-staleness.js';
import { TargetMetadata } from './target-metadata.js';

export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const MAX_SCRAPE_BYTES = 32 * 1024 * 1024;

export interface TargetHealth {
  job: string;
  url: string;
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastScrapeMs: number | null;
  lastDurationSeconds: number | null;
  lastError: string;
  samplesScraped: number;
  intervalMs: number;
  timeoutMs: number;
  /** The labels discovery gave it, before relabelling (as /api/v1/targets lists them). */
  discoveredLabels: Record<string, string>;
}

interface Target {
  job: ScrapeJob;
  url: string;
  labels: [string, string][];
  health: TargetHealth;
  /** Job, URL and labels: a target whose labels change is a new target, as in Prometheus. */
  stateKey: string;
  healthKey: string;
}

export interface ScrapeManagerOptions {
  config: ScrapeConfig;
  store: MetricsStore;
  clock: () => number;
  fetch?: typeof fetch;
  userAgent?: string;
  /** The collector's public URL and listening port, for the targets' globalUrl (as 2.42's
   * --web.external-url and listen address). */
  externalUrl?: string;
  listenPort?: number;
  /** Told of each file_sd file that could not be read or parsed (its last good targets stay). */
  onFileSdError?: (path: string, err: Error) => void;
}

export class ScrapeManager {
  private timers = new Map<string, NodeJS.Timeout>();
  private health = new Map<string, TargetHealth>();
  /** By the health key: the scrape cache's metadata of each target. */
  private metadata = new Map<string, TargetMetadata>();
  private states = new Map<string, TargetState>();
  /** Per job, the discovered labels of the targets its relabel_configs dropped last time. */
  private dropped = new Map<string, Record<string, string>[]>();
  private readonly fetchFn: typeof fetch;
  /** The groups each file_sd file had when it last parsed. */
  private readonly fileSdGood = new Map<string, TargetGroup[]>();
  readonly stats = { fileSdReadErrors: 0 };

  constructor(private readonly options: ScrapeManagerOptions) {
    this.fetchFn = options.fetch ?? fetch;
  }

  /** Targets of a job right now: static ones plus whatever its file_sd files list, after its
   * relabel_configs (the ones they drop are kept for droppedTargets). */
  resolveTargets(job: ScrapeJob): Target[] {
    const groups = [
      ...job.staticConfigs,
      ...readFileSd(job.fileSdFiles, this.fileSdGood, (path, err) => {
        this.stats.fileSdReadErrors++;
        this.options.onFileSdError?.(path, err);
      }),
    ];
    const out: Target[] = [];
    const dropped: Record<string, string>[] = [];
    for (const g of groups) {
      for (const discovered of g.targets) {
        // Also without rules: a group's __metrics_path__/__scheme__ apply and its __ labels are
        // not stored, as in Prometheus (they went onto every series, the path was ignored).
        const r = relabelTarget(job, g.labels, discovered);
        if ('drop' in r) {
          dropped.push(r.drop);
          continue;
        }
        const { address, scheme, metricsPath, params, labels: targetLabels } = r;
        const url = scrapeUrl(address, scheme, metricsPath, params);
        const instance = /^https?:\/\//.test(address) ? (parseUrl(address)?.host ?? address) : address;
        const labels = { ...targetLabels, instance: targetLabels.instance ?? instance };
        const key = healthKey(job.jobName, url);
        let health = this.health.get(key);
        if (!health) {
          health = {
            job: job.jobName,
            url,
            labels,
            health: 'unknown',
            lastScrapeMs: null,
            lastDurationSeconds: null,
            lastError: '',
            samplesScraped: 0,
            intervalMs: job.intervalMs,
            timeoutMs: job.timeoutMs,
            discoveredLabels: r.discovered,
          };
          this.health.set(key, health);
        }
        health.discoveredLabels = r.discovered;
        const pairs = Object.entries(labels);
        const stateKey = `${key}\u0000${JSON.stringify(pairs)}`;
        out.push({ job, url, labels: pairs, health, stateKey, healthKey: key });
      }
    }
    this.dropped.set(job.jobName, dropped);
    return out;
  }

  /** Scrapes every target of every job whose schedule includes `tickMs`, stamping samples with it. */
  async scrapeRound(tickMs: number, jobs = this.options.config.jobs): Promise<void> {
    const targets = jobs.flatMap((job) => this.resolveTargets(job));
    const gone: string[] = [];
    const markers = expireTargets(
      this.states,
      new Set(jobs.map((j) => j.jobName)),
      new Set(targets.map((t) => t.stateKey)),
      tickMs,
      gone,
    );
    const listed = new Set(targets.map((t) => t.healthKey));
    for (const key of gone) {
      if (listed.has(key)) continue;
      this.health.delete(key);
      this.metadata.delete(key);
    }
    await Promise.all(targets.map((t) => this.scrapeTarget(t, tickMs)));
    if (markers.length) await this.options.store.appendSamples(markers);
  }

  private stateOf(target: Target): TargetState {
    let st = this.states.get(target.stateKey);
    if (!st) {
      st = {
        jobName: target.job.jobName,
        healthKey: target.healthKey,
        intervalMs: target.job.intervalMs,
        labels: target.labels,
        series: new ScrapedSeries(),
        lastTickMs: null,
      };
      this.states.set(target.stateKey, st);
    }
    return st;
  }

  async scrapeTarget(target: Target, tickMs: number): Promise<void> {
    const { job } = target;
    const started = this.options.clock();
    const samples: PlainSample[] = [];
    const state = this.stateOf(target);
    /** Series stamped with the tick: the ones staleness tracking follows. */
    const tracked: [string, string][][] = [];
    let error = '';
    let scraped = 0;
    try {
      const headers: Record<string, string> = {
        accept: SCRAPE_ACCEPT,
        'accept-encoding': 'gzip',
        'user-agent': this.options.userAgent ?? 'flowrent-metrics-collector',
        'x-prometheus-scrape-timeout-seconds': String(job.timeoutMs / 1000),
      };
      const { bearerToken, basicAuth } = scrapeCredentials(job);
      if (bearerToken) headers.authorization = `Bearer ${bearerToken}`;
      else if (basicAuth) {
        headers.authorization = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
      }
      const res = await this.fetchFn(target.url, { headers, signal: AbortSignal.timeout(job.timeoutMs) });
      if (res.status !== 200) throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
      const text = await res.text();
      if (text.length > MAX_SCRAPE_BYTES) throw new Error(`body larger than ${MAX_SCRAPE_BYTES} bytes`);
      const exposition = parseExposition(text, {
        openMetrics: isOpenMetricsContentType(res.headers.get('content-type') ?? undefined),
      });
      for (const [name, meta] of exposition.families) this.options.store.setMetadata(name, meta);
      const metadata = this.metadata.get(target.healthKey) ?? new TargetMetadata();
      this.metadata.set(target.healthKey, metadata);
      metadata.update(exposition);
      const relabels = job.metricRelabelConfigs;
      for (const s of exposition.samples) {
        let labels = mergeLabels(s.name, s.labels, target.labels, job.honorLabels);
        if (relabels?.length) {
          const m = new Map(labels);
          // dropped by metric_relabel_configs, or left without a name: not stored, as Prometheus
          if (!relabel(m, relabels) || !m.has('__name__')) continue;
          labels = [...m];
        }
        const ownTime = job.honorTimestamps && s.timestampMs !== undefined;
        const t = ownTime ? s.timestampMs! : tickMs;
        // An exemplar without its own timestamp gets the sample's, as Prometheus does.
        const exemplar = s.exemplar && { ...s.exemplar, timestampMs: s.exemplar.timestampMs ?? t };
        samples.push({ labels, t, v: s.value, exemplar });
        if (!ownTime) tracked.push(labels);
      }
      scraped = exposition.samples.length;
    } catch (err) {
      // Prometheus names the request too: `Get "http://…/metrics": dial tcp …: connection refused`.
      error =
        (err as Error).name === 'TimeoutError'
          ? `scrape timed out after ${job.timeoutMs} ms`
          : (err as Error).message === 'fetch failed'
            ? `Get "${target.url}": ${fetchErrorMessage(err).replace(/^fetch failed: /, '')}`
            : (err as Error).message;
      samples.length = 0;
    }
    // A failed scrape is an empty one: everything the last good scrape had goes stale.
    samples.push(...(error ? state.series.clear(tickMs) : state.series.update(tracked, tickMs)));
    state.lastTickMs = tickMs;
    const duration = (this.options.clock() - started) / 1000;
    const own = (name: string, v: number): PlainSample => ({
      labels: [['__name__', name], ...target.labels],
      t: tickMs,
      v,
    });
    samples.push(
      own('up', error ? 0 : 1),
      own('scrape_duration_seconds', duration),
      own('scrape_samples_scraped', scraped),
    );
    try {
      await this.options.store.appendSamples(samples);
    } catch (err) {
      // The store could not make the scrape durable (the log failed to sync): the target page says
      // so, as Prometheus reports an append error as the scrape's error.
      error = `writing the scrape failed: ${(err as Error).message}`;
    }
    Object.assign(target.health, {
      health: error ? 'down' : 'up',
      lastScrapeMs: tickMs,
      lastDurationSeconds: duration,
      lastError: error,
      samplesScraped: scraped,
    });
  }

  /** Starts one timer chain per job, ticking at multiples of its interval. */
  start(): void {
    for (const job of this.options.config.jobs) {
      const schedule = () => {
        const now = this.options.clock();
        const next = Math.ceil((now + 1) / job.intervalMs) * job.intervalMs;
        const timer = setTimeout(() => {
          if (!this.timers.has(job.jobName)) return;
          this.scrapeRound(next, [job]).catch(() => {});
          schedule();
        }, next - now);
        timer.unref();
        this.timers.set(job.jobName, timer);
      };
      schedule();
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Target health for the UI: `GET /api/targets`. */
  targets(): TargetHealth[] {
    for (const job of this.options.config.jobs) this.resolveTargets(job);
    return [...this.health.values()];
  }

  /** Each active target's labels and metadata, in the order /api/v1/targets lists them. */
  targetsMetadata(): Array<{ labels: Record<string, string>; metadata?: TargetMetadata }> {
    return this.targets().map((t) => ({
      labels: t.labels,
      metadata: this.metadata.get(healthKey(t.job, t.url)),
    }));
  }

  /**
   * Prometheus' /api/v1/targets data (2.42): `state` (any case) "active", "dropped", "any" or ""
   * picks the lists and any other value leaves both empty; a non-empty `scrapePool` keeps that
   * job's targets. droppedTargets lists the targets relabel_configs dropped, by their discovered
   * labels.
   */
  prometheusTargets(filter: { state: string; scrapePool: string }): {
    activeTargets: object[];
    droppedTargets: object[];
  } {
    const state = filter.state.toLowerCase();
    const active = state === '' || state === 'any' || state === 'active';
    const targets = active
      ? this.targets().filter((t) => filter.scrapePool === '' || t.job === filter.scrapePool)
      : [];
    const dropped =
      state === '' || state === 'any' || state === 'dropped'
        ? [...this.dropped]
            .filter(([job]) => filter.scrapePool === '' || job === filter.scrapePool)
            .flatMap(([, list]) => list.map((discoveredLabels) => ({ discoveredLabels })))
        : [];
    const global = (url: string) => globalUrl(url, this.options.externalUrl, this.options.listenPort);
    return { activeTargets: targets.map((t) => prometheusTarget(t, global)), droppedTargets: dropped };
  }
}

function healthKey(job: string, url: string): string {
  return `${job}\u0000${url}`;
}

/** One activeTargets entry. */
function prometheusTarget(t: TargetHealth, global: (url: string) => string): object {
  return {
    discoveredLabels: t.discoveredLabels,
    labels: t.labels,
    scrapePool: t.job,
    scrapeUrl: t.url,
    globalUrl: global(t.url),
    lastError: t.lastError,
    lastScrape: t.lastScrapeMs === null ? '0001-01-01T00:00:00Z' : new Date(t.lastScrapeMs).toISOString(),
    lastScrapeDuration: t.lastDurationSeconds ?? 0,
    health: t.health,
    scrapeInterval: formatDurationMs(t.intervalMs),
    scrapeTimeout: formatDurationMs(t.timeoutMs),
  };
}

/** 2.42's getGlobalURL: a loopback target is not reachable from elsewhere, so its host becomes the
 * external URL's (and, when it is this process' own port, its scheme and port too). */
function globalUrl(url: string, externalUrl: string | undefined, listenPort: number | undefined): string {
  const u = parseUrl(url);
  const ext = externalUrl === undefined ? undefined : parseUrl(externalUrl);
  if (!u || !ext || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return url;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  if (listenPort !== undefined && port === String(listenPort)) {
    u.protocol = ext.protocol;
    u.host = ext.host;
  } else u.hostname = ext.hostname;
  return u.toString();
}

/**
 * A target's scrape URL. One that does not parse (a relabelled address such as "bad host") is kept
 * as its text: its scrapes fail and it shows down with the error, as in Prometheus 2.42 (the
 * exception new URL() threw used to end the job's whole scrape round and /api/v1/targets). A path
 * without a leading "/" gets one, as Go's url.URL prints it.
 */
function scrapeUrl(
  address: string,
  scheme: string,
  metricsPath: string,
  params: Record<string, string[]>,
): string {
  const base = /^https?:\/\//.test(address) ? address.replace(/\/+$/, '') : `${scheme}://${address}`;
  const path = metricsPath.startsWith('/') ? metricsPath : `/${metricsPath}`;
  const text = base.endsWith(path) ? base : base + path;
  const u = parseUrl(text);
  if (!u) return text;
  for (const [k, vs] of Object.entries(params)) for (const v of vs) u.searchParams.append(k, v);
  return u.href;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * A target through its job's relabel_configs, as Prometheus 2.42's PopulateLabels: the discovered
 * labels (group labels, __address__, job, __scheme__, __metrics_path__, __scrape_interval__,
 * __scrape_timeout__, __param_<name>) are relabelled; the result gives the address, scheme, path
 * and params, and its labels without the `__` ones are the target's. `drop`: the discovered labels
 * of a target the rules dropped (or left without an address).
 */
function relabelTarget(
  job: ScrapeJob,
  groupLabels: Record<string, string>,
  address: string,
):
  | { drop: Record<string, string> }
  | {
      discovered: Record<string, string>;
      address: string;
      scheme: 'http' | 'https';
      metricsPath: string;
      params: Record<string, string[]>;
      labels: Record<string, string>;
    } {
  const m = new Map(Object.entries(groupLabels));
  m.set('__address__', address);
  const defaults: [string, string][] = [
    ['job', job.jobName],
    ['__scrape_interval__', formatDurationMs(job.intervalMs)],
    ['__scrape_timeout__', formatDurationMs(job.timeoutMs)],
    ['__metrics_path__', job.metricsPath],
    ['__scheme__', job.scheme],
  ];
  for (const [k, v] of defaults) if (!m.get(k)) m.set(k, v);
  for (const [k, vs] of Object.entries(job.params)) if (vs.length > 0) m.set(`__param_${k}`, vs[0]);
  const discovered = Object.fromEntries(m);
  if (!relabel(m, job.relabelConfigs ?? [])) return { drop: discovered };
  const addr = m.get('__address__');
  const scheme = m.get('__scheme__') ?? job.scheme;
  if (!addr || (scheme !== 'http' && scheme !== 'https')) return { drop: discovered };
  const params: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(job.params)) params[k] = [...vs];
  const labels: Record<string, string> = {};
  for (const [k, v] of m) {
    if (k.startsWith('__param_')) {
      const name = k.slice('__param_'.length);
      if (params[name]?.length) params[name][0] = v;
      else params[name] = [v];
    } else if (!k.startsWith('__')) labels[k] = v;
  }
  return {
    discovered,
    address: addr,
    scheme,
    metricsPath: m.get('__metrics_path__') ?? job.metricsPath,
    params,
    labels,
  };
}

/** Target labels win unless honor_labels; a clashing scraped label is kept as exported_<name>. */
function mergeLabels(
  name: string,
  scraped: [string, string][],
  target: [string, string][],
  honorLabels: boolean,
): [string, string][] {
  const out = new Map<string, string>();
  for (const [k, v] of target) out.set(k, v);
  for (const [k, v] of scraped) {
    if (!out.has(k) || honorLabels) out.set(k, v);
    else out.set(`exported_${k}`, v);
  }
  out.set('__name__', name);
  return [...out];
}
