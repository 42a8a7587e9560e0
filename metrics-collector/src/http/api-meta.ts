// Metadata endpoints of the Prometheus API: series, labels, label values, metadata, targets'
// metadata, buildinfo (exemplars: api-exemplars.ts).
import { isValidLabelName, labelsKey } from '../promql/labels.js';
import { compileMatchers, splitForSource } from '../promql/matchers.js';
import { parseExpr } from '../promql/parse.js';
import type { TargetMetadata } from '../scrape/target-metadata.js';
import type { LabelMatcher, Labels, SampleSource } from '../promql/sample-source.js';
import {
  badData,
  type FormParams,
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseMatchParams,
  parseMetaTimeRange,
} from './api-params.js';

export interface MetricMetadataEntry {
  type: string;
  help: string;
  unit: string;
}

export interface MetaDeps {
  source: SampleSource;
  version: string;
  /** Metric name → metadata as the ingestion side learnt it. */
  metadata?: () => Iterable<[string, MetricMetadataEntry]>;
}

function limitOf(p: FormParams): number {
  const raw = p.get('limit');
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw badData(`invalid parameter "limit": cannot parse "${raw}" to a valid integer`);
  return n;
}

export function listSeries(deps: MetaDeps, p: FormParams): unknown {
  const matches = p.getAll('match[]');
  if (matches.length === 0) throw badData('no match[] parameter provided');
  const sets = parseMatchParams(matches);
  const { start, end } = parseMetaTimeRange(p);
  const limit = limitOf(p);
  if (end < start) return [];
  // Sorted as 2.42's merged, sorted Select sets (labels.Compare), not in store order.
  const series = seriesOf(deps.source, sets, start, end).sort(compareLabels);
  return limit > 0 ? series.slice(0, limit) : series;
}

/** Prometheus' labels.Compare: pair by pair in name order, name then value; a prefix sorts first. */
function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort();
  const bn = Object.keys(b).sort();
  for (let i = 0; i < an.length && i < bn.length; i++) {
    if (an[i] !== bn[i]) return an[i] < bn[i] ? -1 : 1;
    const av = a[an[i]];
    const bv = b[bn[i]];
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return an.length - bn.length;
}

/** source.series() with RE2-only regexes applied here (see splitForSource). */
function seriesOf(source: SampleSource, sets: LabelMatcher[][], start: number, end: number): Labels[] {
  const out = new Map<string, Labels>();
  for (const set of sets) {
    const { pushed, own } = splitForSource(set);
    for (const l of source.series([pushed], start, end)) if (!own || own(l)) out.set(labelsKey(l), l);
  }
  return [...out.values()];
}

const needsOwnMatching = (sets: LabelMatcher[][]) =>
  sets.some((set) => splitForSource(set).own !== undefined);

export function listLabelNames(deps: MetaDeps, p: FormParams): string[] {
  const sets = parseMatchParams(p.getAll('match[]'), false);
  const { start, end } = parseMetaTimeRange(p);
  const limit = limitOf(p);
  if (end < start) return [];
  const names = needsOwnMatching(sets)
    ? [...new Set(seriesOf(deps.source, sets, start, end).flatMap((l) => Object.keys(l)))].sort()
    : deps.source.labelNames(sets, start, end).sort();
  return limit > 0 ? names.slice(0, limit) : names;
}

export function listLabelValues(deps: MetaDeps, p: FormParams, name: string): string[] {
  let label = name;
  // Prometheus' U__ escaping of label names that are not valid in a URL path segment.
  if (label.startsWith('U__')) {
    label = label
      .slice(3)
      // A code point past U+10FFFF stays as written (fromCodePoint threw: a 500).
      .replace(/_([0-9a-fA-F]+)_/g, (m, hex: string) => {
        const cp = Number.parseInt(hex, 16);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      });
  }
  if (!isValidLabelName(label)) {
    // Prometheus 2.42 knows no U__ escaping: to it the name is a valid one no series has.
    if (name.startsWith('U__') && isValidLabelName(name)) return [];
    throw badData(`invalid label name: "${label}"`);
  }
  const sets = parseMatchParams(p.getAll('match[]'), false);
  const { start, end } = parseMetaTimeRange(p);
  const limit = limitOf(p);
  if (end < start) return [];
  const values = needsOwnMatching(sets)
    ? [
        ...new Set(seriesOf(deps.source, sets, start, end).flatMap((l) => (l[label] ? [l[label]] : []))),
      ].sort()
    : deps.source.labelValues(label, sets, start, end).sort();
  return limit > 0 ? values.slice(0, limit) : values;
}

/** Series names a metric family's metadata covers (text format and OpenMetrics suffixes). */
const FAMILY_SUFFIXES = ['', '_total', '_bucket', '_count', '_sum', '_created', '_info', '_gcount', '_gsum'];

/** 2.42's metadata limit: strconv.Atoi, any value below 1 meaning none, its own message. */
function metadataLimit(p: FormParams): number {
  const raw = p.get('limit');
  if (raw === undefined || raw === '') return 0;
  if (!/^[+-]?\d{1,18}$/.test(raw)) throw badData('limit must be a number');
  return Number(raw);
}

/**
 * Metadata of the metric families that still have a series the store returns (over the whole time
 * axis: in memory, or evicted with rollups within retention; not past a TTL). Prometheus answers
 * from its targets' current metadata, so a metric whose series are all gone is not listed; ours
 * listed every family ever pushed or scraped.
 */
export function listMetadata(deps: MetaDeps, p: FormParams): Record<string, MetricMetadataEntry[]> {
  const limit = metadataLimit(p);
  const metric = p.get('metric');
  const out: Record<string, MetricMetadataEntry[]> = {};
  let n = 0;
  const source = deps.source;
  let names: Set<string> | undefined;
  // The store answers per name (hasMetricName); listing every name the store returns scanned and
  // decoded every evicted series (~1 s per call with 100k of them).
  const has =
    source.hasMetricName?.bind(source) ??
    ((name: string) => {
      names ??= new Set(source.labelValues('__name__', [], MIN_TIME_MS, MAX_TIME_MS));
      return names.has(name);
    });
  const alive = (family: string) => FAMILY_SUFFIXES.some((suffix) => has(family + suffix));
  for (const [name, meta] of deps.metadata?.() ?? []) {
    if (metric && name !== metric) continue;
    if (!alive(name)) continue;
    if (limit > 0 && n >= limit) break;
    out[name] = [{ type: meta.type, help: meta.help, unit: meta.unit }];
    n++;
  }
  return out;
}

export interface ScrapeTargetMetadata {
  labels: Record<string, string>;
  metadata?: TargetMetadata;
}

/**
 * /api/v1/targets/metadata as 2.42's targetMetadata: per active target matching `match_target` (a
 * series selector, matched against the target's labels; `{}` and empty-matching ones allowed, as
 * ParseMetricSelector does), every family's metadata with its name, or only `metric`'s without it.
 * `limit` is checked before each target, so a target's list is never cut; below 0 is none. 2.42
 * walks its Go maps in random order; here targets come in /api/v1/targets' order, families in the
 * order first scraped.
 */
export function listTargetMetadata(targets: ScrapeTargetMetadata[], p: FormParams): object[] {
  const raw = p.get('limit');
  if (raw !== undefined && raw !== '' && !/^[+-]?\d{1,18}$/.test(raw))
    throw badData('limit must be a number');
  const limit = raw === undefined || raw === '' ? -1 : Number(raw);
  const selector = p.get('match_target') ?? '';
  const matches = selector === '' ? () => true : compileMatchers(targetMatchers(selector));
  const metric = p.get('metric') ?? '';
  const out: object[] = [];
  for (const t of targets) {
    if (limit >= 0 && out.length >= limit) break;
    if (!matches(t.labels)) continue;
    const target = Object.fromEntries(Object.entries(t.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (metric === '') {
      for (const m of t.metadata?.list() ?? []) out.push({ target, ...m });
      continue;
    }
    const m = t.metadata?.get(metric);
    if (m) out.push({ target, type: m.type, help: m.help, unit: m.unit });
  }
  return out;
}

/** ParseMetricSelector's matchers: the query parser's, without checkAST's non-empty-matcher rule. */
function targetMatchers(selector: string) {
  const parse = (text: string) => {
    const e = parseExpr(text);
    if (e.type !== 'VectorSelector' || e.offsetMs !== 0 || e.at)
      throw new Error('1:1: parse error: match_target must be a series selector');
    return e.matchers;
  };
  try {
    return parse(selector);
  } catch (err) {
    const message = (err as Error).message;
    const open = selector.indexOf('{');
    // `{}`, `{x=""}`: parsed again with a matcher that satisfies the rule, then taken out.
    if (
      message.includes('at least one non-empty matcher') &&
      open >= 0 &&
      selector.slice(0, open).trim() === ''
    ) {
      const inner = selector.slice(open + 1).trimStart();
      const sep = inner.startsWith('}') ? '' : ',';
      try {
        return parse(`{__match_target__="1"${sep}${inner}`).filter((m) => m.name !== '__match_target__');
      } catch {
        // the first error is the one to report
      }
    }
    throw badData(`invalid parameter "match_target": ${message}`);
  }
}

/**
 * Clients (Grafana) read `version` as the Prometheus version whose API is spoken, so it names the
 * emulated 2.42.0, as VictoriaMetrics does with its own; the collector's version is in `revision`.
 */
export function buildInfo(deps: MetaDeps): Record<string, string> {
  return {
    version: '2.42.0',
    revision: `flowrent-metrics-collector ${deps.version}`,
    branch: 'flowrent',
    buildUser: 'flowrent',
    buildDate: '',
    goVersion: `node ${process.versions.node}`,
  };
}
