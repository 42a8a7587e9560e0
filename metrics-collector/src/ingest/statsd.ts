// StatsD line protocol (statsd/statsd docs/metric_types.md) with the DogStatsD extensions
// (docs.datadoghq.com datagram_shell: `|#tag:value,...`, packed values `name:1:2:3|h`, `|c:` container
// id, `|T<unix>` timestamp) and telegraf-style tags in the name (`name,k=v:1|c`). Several metrics per
// datagram separated by newlines. Events (`_e{`) and service checks (`_sc|`) are recognised and
// skipped. A bad line is reported and skipped; the others in the datagram still count.

export type StatsdType = 'c' | 'g' | 'ms' | 'h' | 'd' | 's';

export interface StatsdMetric {
  /** Prometheus-safe name: `.`, `-` and other invalid characters become `_`. */
  name: string;
  type: StatsdType;
  /** Numeric values (several when DogStatsD-packed); sets carry their member in `member`. */
  values: number[];
  member?: string;
  /** Gauge given with an explicit sign: a delta, not an absolute value. */
  relative: boolean;
  sampleRate: number;
  tags: [string, string][];
  timestampMs?: number;
}

export interface StatsdParseResult {
  metrics: StatsdMetric[];
  errors: string[];
  skipped: number;
}

const TYPES = new Set(['c', 'g', 'ms', 'h', 'd', 's']);
/** Types stored as fixed-bucket histograms (their buckets carry `le`). */
const HISTOGRAM_TYPES = new Set<StatsdType>(['ms', 'h', 'd']);
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function sanitizeMetricName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out || '_';
}

export function parseStatsdDatagram(text: string): StatsdParseResult {
  const result: StatsdParseResult = { metrics: [], errors: [], skipped: 0 };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('_e{') || line.startsWith('_sc|')) {
      result.skipped++;
      continue;
    }
    const metric = parseLine(line);
    if (typeof metric === 'string') result.errors.push(`${metric}: ${JSON.stringify(line)}`);
    else result.metrics.push(metric);
  }
  return result;
}

function parseLine(line: string): StatsdMetric | string {
  const fields = line.split('|');
  const head = fields[0];
  const colon = head.indexOf(':');
  if (colon <= 0) return 'missing name:value';
  const type = fields[1];
  if (!TYPES.has(type)) return `unknown type ${JSON.stringify(type ?? '')}`;
  let namePart = head.slice(0, colon);
  const tags: [string, string][] = [];
  const comma = namePart.indexOf(',');
  if (comma >= 0) {
    for (const kv of namePart.slice(comma + 1).split(',')) addTag(tags, kv, '=');
    namePart = namePart.slice(0, comma);
  }
  const metric: StatsdMetric = {
    name: sanitizeMetricName(namePart),
    type: type as StatsdType,
    values: [],
    relative: false,
    sampleRate: 1,
    tags,
  };
  const rawValues = head.slice(colon + 1);
  if (type === 's') metric.member = rawValues;
  else {
    for (const v of rawValues.split(':')) {
      if (!NUMBER_RE.test(v)) return `invalid value ${JSON.stringify(v)}`;
      const n = Number(v);
      // "1e999" matches the syntax but is Infinity: added to a counter it would stay +Inf for good.
      // statsd_exporter refuses it too (Go's ParseFloat reports ErrRange).
      if (!Number.isFinite(n)) return `value out of range ${JSON.stringify(v)}`;
      metric.values.push(n);
    }
    metric.relative = type === 'g' && (rawValues[0] === '+' || rawValues[0] === '-');
  }
  for (const f of fields.slice(2)) {
    if (f.startsWith('@')) {
      const rate = Number(f.slice(1));
      if (!(rate > 0 && rate <= 1)) return `invalid sample rate ${JSON.stringify(f)}`;
      metric.sampleRate = rate;
    } else if (f.startsWith('#')) {
      for (const kv of f.slice(1).split(',')) addTag(tags, kv, ':');
    } else if (f.startsWith('T') && /^T\d+$/.test(f)) {
      metric.timestampMs = Number(f.slice(1)) * 1000;
    }
    // `c:<container id>` and unknown future fields are ignored.
  }
  // Labels the collector writes itself: stored, they lost the line's data (a timer's `le` replaced
  // its buckets' and left _count/_sum with a bogus one; `__name__` renamed the series), so the
  // line is refused whole, as statsd_exporter refuses it.
  for (const [n] of tags) {
    if (n.startsWith('__')) return `tag ${JSON.stringify(n)} is reserved`;
    if (n === 'le' && HISTOGRAM_TYPES.has(metric.type))
      return 'tag "le" is reserved for the histogram buckets of a timer, histogram or distribution';
  }
  return metric;
}

function addTag(tags: [string, string][], kv: string, sep: string): void {
  if (kv === '') return;
  const i = kv.indexOf(sep);
  // A value-less DogStatsD tag ("#canary") becomes a label with an empty-free marker value.
  if (i < 0) tags.push([sanitizeLabelName(kv), 'true']);
  else tags.push([sanitizeLabelName(kv.slice(0, i)), kv.slice(i + 1)]);
}
