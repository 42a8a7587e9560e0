// Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 (prometheus/docs
// exposition_formats.md, specs/om/open_metrics_spec.md), parsed the way Prometheus 2.42's
// textparse does: label values unescape only \\ \" \n (any other backslash stays literal), values
// accept NaN/+Inf/-Inf (OpenMetrics: any case, "Infinity"), text timestamps are integer ms,
// OpenMetrics timestamps float seconds. Exemplars (`# {labels} value [ts]`) are kept when
// well-formed and silently dropped otherwise: they must never fail a scrape. `_created` samples are
// kept as ordinary samples. Any other malformed line throws ExpositionError naming the line, which
// fails the whole scrape like Prometheus does.

export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'gaugehistogram'
  | 'stateset'
  | 'info';

export interface Exemplar {
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface ExpositionSample {
  name: string;
  /** Label pairs in exposition order, without `__name__`. */
  labels: [string, string][];
  value: number;
  timestampMs?: number;
  exemplar?: Exemplar;
}

export interface FamilyMetadata {
  type: MetricType;
  help: string;
  unit: string;
}

export interface Exposition {
  samples: ExpositionSample[];
  /** Metadata by family name (as written in # TYPE / # HELP / # UNIT). */
  families: Map<string, FamilyMetadata>;
  openMetrics: boolean;
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const METRIC_TYPES = new Set<string>([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'gaugehistogram',
  'stateset',
  'info',
]);
const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

export function isOpenMetricsContentType(contentType: string | undefined): boolean {
  return !!contentType && contentType.toLowerCase().includes('application/openmetrics-text');
}

export function parseExposition(text: string, options: { openMetrics?: boolean } = {}): Exposition {
  const openMetrics = options.openMetrics ?? false;
  const samples: ExpositionSample[] = [];
  const families = new Map<string, FamilyMetadata>();
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    lineNo++;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      if (line === '# EOF') break;
      parseComment(line, families);
      continue;
    }
    samples.push(parseSampleLine(line, lineNo, openMetrics));
  }
  return { samples, families, openMetrics };
}

function familyOf(families: Map<string, FamilyMetadata>, name: string): FamilyMetadata {
  let f = families.get(name);
  if (!f) {
    f = { type: 'untyped', help: '', unit: '' };
    families.set(name, f);
  }
  return f;
}

function parseComment(line: string, families: Map<string, FamilyMetadata>): void {
  const m = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s(.*))?$/.exec(line);
  if (!m) return; // plain comment
  const [, kind, name, rest = ''] = m;
  const family = familyOf(families, name);
  if (kind === 'HELP') family.help = rest.replace(/\\(\\|n|")/g, (_, c) => (c === 'n' ? '\n' : c));
  else if (kind === 'UNIT') family.unit = rest.trim();
  else {
    const t = rest.trim().toLowerCase();
    family.type = METRIC_TYPES.has(t) ? (t as MetricType) : 'untyped';
  }
}

function parseSampleLine(line: string, lineNo: number, openMetrics: boolean): ExpositionSample {
  const c = { pos: 0 };
  const name = readName(line, c);
  if (!name) throw new ExpositionError(lineNo, `expected a metric name, got ${JSON.stringify(line)}`);
  let labels: [string, string][] = [];
  if (line[c.pos] === '{') labels = readLabels(line, c, lineNo);
  const rest = line.slice(c.pos);
  const hash = rest.indexOf(' # ');
  const main = (hash >= 0 ? rest.slice(0, hash) : rest).trim().split(/[ \t]+/);
  if (main.length < 1 || main[0] === '' || main.length > 2) {
    throw new ExpositionError(
      lineNo,
      `expected value [timestamp] after ${name}, got ${JSON.stringify(rest)}`,
    );
  }
  const value = parseValue(main[0]);
  if (value === undefined) throw new ExpositionError(lineNo, `invalid value ${JSON.stringify(main[0])}`);
  const sample: ExpositionSample = { name, labels, value };
  if (main.length === 2) {
    const ts = parseTimestamp(main[1], openMetrics);
    if (ts === undefined) throw new ExpositionError(lineNo, `invalid timestamp ${JSON.stringify(main[1])}`);
    sample.timestampMs = ts;
  }
  if (hash >= 0) {
    const exemplar = parseExemplar(rest.slice(hash + 3), lineNo);
    if (exemplar) sample.exemplar = exemplar;
  }
  return sample;
}

function readName(line: string, c: { pos: number }): string {
  const start = c.pos;
  while (c.pos < line.length) {
    const ch = line.charCodeAt(c.pos);
    const ok =
      (ch >= 97 && ch <= 122) ||
      (ch >= 65 && ch <= 90) ||
      ch === 95 ||
      ch === 58 ||
      (c.pos > start && ch >= 48 && ch <= 57);
    if (!ok) break;
    c.pos++;
  }
  return line.slice(start, c.pos);
}

function readLabels(line: string, c: { pos: number }, lineNo: number): [string, string][] {
  const labels: [string, string][] = [];
  c.pos++; // {
  for (;;) {
    while (line[c.pos] === ' ' || line[c.pos] === '\t') c.pos++;
    if (line[c.pos] === '}') {
      c.pos++;
      return labels;
    }
    const name = readName(line, c);
    if (!name || !NAME_RE.test(name))
      throw new ExpositionError(lineNo, `invalid label name at column ${c.pos + 1}`);
    while (line[c.pos] === ' ') c.pos++;
    if (line[c.pos] !== '=') throw new ExpositionError(lineNo, `expected "=" after label ${name}`);
    c.pos++;
    while (line[c.pos] === ' ') c.pos++;
    if (line[c.pos] !== '"') throw new ExpositionError(lineNo, `expected quoted value for label ${name}`);
    c.pos++;
    let value = '';
    let from = c.pos;
    for (;;) {
      if (c.pos >= line.length) throw new ExpositionError(lineNo, `unterminated value for label ${name}`);
      const ch = line[c.pos];
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[c.pos + 1];
        const repl = next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : undefined;
        if (repl !== undefined) {
          value += line.slice(from, c.pos) + repl;
          c.pos += 2;
          from = c.pos;
          continue;
        }
      }
      c.pos++;
    }
    value += line.slice(from, c.pos);
    c.pos++; // closing quote
    labels.push([name, value]);
    while (line[c.pos] === ' ') c.pos++;
    if (line[c.pos] === ',') c.pos++;
    else if (line[c.pos] !== '}')
      throw new ExpositionError(lineNo, `expected "," or "}" after label ${name}`);
  }
}

export function parseValue(s: string): number | undefined {
  if (NUMBER_RE.test(s)) return Number(s);
  switch (s.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case '+inf':
    case 'inf':
    case '+infinity':
    case 'infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
  }
  return undefined;
}

function parseTimestamp(s: string, openMetrics: boolean): number | undefined {
  if (openMetrics) {
    const v = parseValue(s);
    return v === undefined || !Number.isFinite(v) ? undefined : Math.round(v * 1000);
  }
  return /^-?\d+$/.test(s) ? Number(s) : undefined;
}

function parseExemplar(s: string, lineNo: number): Exemplar | undefined {
  try {
    const c = { pos: 0 };
    while (s[c.pos] === ' ') c.pos++;
    if (s[c.pos] !== '{') return undefined;
    const labels = Object.fromEntries(readLabels(s, c, lineNo));
    const parts = s
      .slice(c.pos)
      .trim()
      .split(/[ \t]+/);
    const value = parseValue(parts[0] ?? '');
    if (value === undefined || parts.length > 2) return undefined;
    const exemplar: Exemplar = { labels, value };
    if (parts.length === 2) {
      const ts = parseValue(parts[1]);
      if (ts === undefined || !Number.isFinite(ts)) return undefined;
      exemplar.timestampMs = Math.round(ts * 1000);
    }
    return exemplar;
  } catch {
    return undefined;
  }
}
