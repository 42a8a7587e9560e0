// The Prometheus HTTP API answered byte for byte as Debian's Prometheus 2.42 answers it (on
// loopback, fed the same remote_write batch): value and time formatting of every result type
// (scalars 'f' without exponent, vectors 'e' past 1e21, NaN, ±Inf, -0), Go's JSON escapes,
// function arities, label and series listings. oracle.test.ts compares numbers within 1e-9; this
// compares the text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { remoteWriteToBoth, startCollector } from './ingest-helpers.js';
import { encodeWriteRequest, type Sample } from './oracle-data.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const T = 1_700_000_000_000;
const AT = String(T / 1000 + 600);
const AT_HALF = String(T / 1000 + 600.5);

const samples: Sample[] = [];
for (let k = 0; k <= 40; k++) {
  const t = T + k * 15_000;
  samples.push({ labels: { __name__: 'up', job: 'node', instance: 'a:9100' }, t, v: 1 });
  samples.push({ labels: { __name__: 'up', job: 'node', instance: 'b:9100' }, t, v: k % 7 === 0 ? 0 : 1 });
  samples.push({ labels: { __name__: 'big', job: 'x' }, t, v: 1e21 * (k + 1) });
  samples.push({ labels: { __name__: 'tiny', job: 'x' }, t, v: 1.5e-7 * (k + 1) });
  samples.push({ labels: { __name__: 'html', tag: '<a href="x">&amp;</a>', sep: '\u2028' }, t, v: -k });
}

type Params = Record<string, string | string[]>;
type Case = [path: string, params: Params];

const q = (query: string, time = AT): Case => ['/api/v1/query', { query, time }];
const range = (query: string): Case => [
  '/api/v1/query_range',
  { query, start: String(T / 1000 + 300), end: String(T / 1000 + 420), step: '30' },
];

/** Same status and body text. */
const SAME_TEXT: Case[] = [
  // Scalars: FormatFloat 'f', -1 (no exponent at any magnitude), time as encoding/json writes it.
  q('1e21'),
  q('-1e21'),
  q('1.5e300'),
  q('1e-7'),
  q('-2.5e-9'),
  q('0.1 + 0.2'),
  q('123456789012345680000'),
  q('NaN'),
  q('Inf'),
  q('-Inf'),
  q('-0'),
  q('1e21', AT_HALF),
  q('scalar(big)'),
  // Times and steps in seconds to ms as 2.42: fraction rounded half away from zero, floored ms.
  ...['1700001800.123', '1700001800.0005', '1700001800.0015', '-0.0005', '-1.0015', '1.9995', '0.29'].map(
    (t) => q('time()', t),
  ),
  ['/api/v1/query_range', { query: 'time()', start: '1700000000.123', end: '1700000100', step: '10.0005' }],
  ['/api/v1/query_range', { query: 'time()', start: '-1.0015', end: '1', step: '0.9999' }],
  q('time()', AT_HALF),
  // Vectors and matrices: 'e' below 1e-6 and from 1e21 on.
  q('vector(1e21)'),
  q('vector(-1e-7)'),
  q('big'),
  q('tiny'),
  q('-big'),
  q('vector(1e21)', AT_HALF),
  range('1e21'),
  range('big / 3'),
  range('tiny'),
  range('vector(-0)'),
  // Strings and label values: Go's HTML-safe escapes.
  q('"<a & b>"'),
  q('"<a & b>"', AT_HALF),
  q('"line\\u2028sep"'),
  q('html'),
  range('html'),
  q('label_replace(vector(1), "a", "<&>", "", "")'),
  // label_join: the source labels are optional (2.42: Variadic -1); none sets dst to "", i.e. removes it.
  q('label_join(vector(1), "a", ",")'),
  q('label_join(up, "job", ",")'),
  q('label_join(up, "x", "-")'),
  q('label_join(up, "x", "-", "job", "instance", "job")'),
  // A unary sign binds below '^' (the grammar's %prec MUL); atan2 keeps __name__.
  q('-2 ^ 2'),
  q('-2 ^ 2 ^ 0.5'),
  q('- -2 ^ 2'),
  q('(-2) ^ 2'),
  q('-vector(2) ^ 2'),
  q('-2 ^ vector(2)'),
  q('-up ^ 2'),
  q('2 * -3 ^ 2'),
  q('timestamp(vector(1) @ -0.0005)'),
  q('timestamp(up @ 1700000100.0005)'),
  q('up atan2 up'),
  q('up atan2 2'),
  q('2 atan2 up'),
  q('1 + on() vector(1)'),
  q('vector(1) * ignoring() group_left 2'),
  q('holt_winters(up[5m], NaN, 0.5)'),
  // Date functions: time.Unix(int64(v), 0).UTC(), NaN/±Inf/past int64 as math.MinInt64 (wraps).
  ...['year', 'month', 'day_of_month', 'day_of_year', 'day_of_week', 'days_in_month', 'hour', 'minute'].map(
    (f) =>
      q(
        `${f}(vector(NaN)) or label_replace(${f}(vector(Inf)), "v", "inf", "", "") or label_replace(${f}(vector(-1e20)), "v", "-1e20", "", "") or label_replace(${f}(vector(1e15)), "v", "1e15", "", "") or label_replace(${f}(vector(-1e15)), "v", "-1e15", "", "") or label_replace(${f}(vector(-62135596801.5)), "v", "y0", "", "") or label_replace(${f}(vector(-59011459200)), "v", "y100", "", "") or label_replace(${f}(vector(951782400)), "v", "leap", "", "") or label_replace(${f}(vector(9.2e18)), "v", "max", "", "") or label_replace(${f}(vector(-9.2e18)), "v", "min", "", "") or label_replace(${f}(vector(-0.9)), "v", "neg", "", "")`,
      ),
  ),
  q('count_values("v", big)'),
  q('count_values("v", tiny)'),
  ['/api/v1/labels', { start: String(T / 1000), end: AT }],
  ['/api/v1/label/tag/values', { start: String(T / 1000), end: AT }],
  ['/api/v1/series', { 'match[]': 'html', start: String(T / 1000), end: AT }],
  // Series sorted by their label sets, whatever the store's order (here: samples interleaved).
  ['/api/v1/series', { 'match[]': '{job=~".+"}', start: String(T / 1000), end: AT }],
  [
    '/api/v1/series',
    { 'match[]': ['tiny', 'up{instance="b:9100"}', 'big', 'up'], start: String(T / 1000), end: AT },
  ],
  ['/api/v1/series', { 'match[]': '{__name__=~".+"}', start: String(T / 1000), end: AT }],
];

/** Same status, errorType and message (and the same text where Prometheus answers 200). */
const SAME_ERROR: Case[] = [
  q('label_join(vector(1), "a")'),
  q('label_join(vector(1))'),
  q('round()'),
  q('round(vector(1), 1, 2)'),
  q('hour(vector(1), vector(2))'),
  q('label_join(vector(1), "a", ",", "1bad")'),
  q('up atan2 bool up'),
  q('1 == 1'),
  q('1 + on(a) vector(1)'),
  q('up and on(job) group_left up'),
  q('up + on(job) group_left(job) up'),
  // 2.42 wants a unit on every duration.
  q('up[90]'),
  q('up[0.5]'),
  q('up offset 90'),
  q('up offset -90'),
  q('up[5m] offset 1.5'),
  q('up[5m:30]'),
  q('up[90:1m]'),
  q('up', 'abc'),
  ['/api/v1/query_range', { query: 'up', start: 'abc', end: '1', step: '1' }],
  ['/api/v1/series', { 'match[]': 'up', start: 'abc' }],
  ['/api/v1/labels', { end: '2023-11-14 22:13:20Z' }],
  ['/api/v1/label/job/values', { start: '1', end: 'x' }],
  ['/api/v1/query_exemplars', { query: 'up', start: 'abc' }],
  ['/api/v1/metadata', { limit: 'abc' }],
  ['/api/v1/metadata', { limit: '1.5' }],
  // Parse errors at the end of input, and match[] errors (labels and label values: no parameter name).
  ...[
    'up{',
    'up{a="b"',
    'up{a=',
    'sum(up',
    'up[5m',
    'sum(up[5m',
    'rate(up[5m:',
    '"abc',
    "'a\\'",
    'up{a="}"',
    'sum(up # )',
  ].map((e) => q(e)),
  ['/api/v1/series', { 'match[]': 'up{' }],
  ['/api/v1/labels', { 'match[]': 'up{' }],
  ['/api/v1/label/job/values', { 'match[]': ['up', '{a="b"'] }],
  q('up @ NaN'),
  q('up @ Inf'),
  q('sum(up) + up[5m:] @ -Inf'),
  q('up @ 1e20'),
  q('up[5m] @ -1e22'),
  // RE2 regexes: \Q…\E, \x{…}, a leading ] in a class, POSIX classes, escapes Go refuses.
  ...[
    '\\Qa:9100\\E',
    'a\\Q:9\\E100',
    '\\Q.*',
    '\\x{61}:9100',
    'a\\x3a9100',
    '[]a]:9100',
    '[^]b]:9100',
    '[[:alpha:]]:[[:digit:]]+',
    '[:alpha:]:9100',
    '\\C',
    '\\e',
    '\\u0061:9100',
    '\\E',
    'a\\:9100',
    '\\141:9100',
  ].map((re) => q(`up{instance=~\`${re}\`}`)),
  // Flags for a group or the rest of one.
  ...[
    '(?i:NODE)',
    'n(?i)ODE',
    '(?i:N)ode',
    '(?i:[M-O])ode',
    '(?i:[^A-M]ODE)',
    '(?s:.)ode',
    '(?i:n(?-i:O)de)',
    '(?i)NO(?-i:d)E',
    '(?i:N)(O)de',
    '(?i:x)|node',
  ].map((re) => q(`count(up{job=~\`${re}\`})`)),
  // Go's . leaves out only \n: html's sep label is U+2028.
  ...['.', '(?s).', '(?s:.)', '[^a]', '\\s', '\\S', '[\\s]', '[^\\s]'].map((re) =>
    q(`count(html{sep=~\`${re}\`})`),
  ),
  // String escapes as 2.42's lexer reads them.
  ...['\\Q', '\\x{61}', '\\x4', '\\u00g1', '\\08', "\\'", '\\\u0001', '\\é', '\\U0010FFFF', '\\400'].map(
    (esc) => q(`"a${esc}b"`),
  ),
  q('sum(up[5m])'),
  q('sum by (job) (\n  rate(up[5m])[5m:] )'),
  q('topk("a", up)'),
  q('count_values(1, up)'),
  q('quantile(up, up)'),
  q('rate(sum(up)[5m])'),
  q('rate(sum(up) [ 5m ])'),
  q('rate(up offset 1m [5m])'),
  q('rate(up @ 10 [5m])'),
  q('rate(up @ 10 offset 1m [5m])'),
  q('label_replace(up, "a", "$1", "job", "(")'),
  q('holt_winters(up[5m], 0, 0.5)'),
  q('holt_winters(up[5m], 0.5, 1)'),
  q('holt_winters(up[5m], 0.5, -Inf)'),
  q('holt_winters(up[5m], 2.25, 0.5)'),
  q('up{instance="a:9100"} / on() group_left up'),
  q('up{instance="a:9100"} / on(job) group_left up'),
  q('up{instance="a:9100"} / ignoring(instance) group_left up'),
  q('up / on(job) group_right up{instance="a:9100"}'),
];

async function ask(base: string, [path, params]: Case, headers: Record<string, string> = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) qs.append(k, one);
  const r = await fetch(`${base}${path}?${qs}`, { headers });
  return { status: r.status, text: await r.text() };
}

describe('API text as Prometheus 2.42 writes it', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    prometheus = await startPrometheus();
    t = await startCollector({}, () => T + 3_600_000);
    await remoteWriteToBoth(prometheus.base, t, encodeWriteRequest(samples));
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  for (const c of SAME_TEXT) {
    it(`same text: ${c[0]} ${JSON.stringify(c[1])}`, async () => {
      const theirs = await ask(prometheus.base, c);
      const ours = await ask(t.url, c, t.adminHeaders);
      assert.deepEqual(ours, theirs);
    });
  }

  for (const c of SAME_ERROR) {
    it(`same error: ${c[0]} ${JSON.stringify(c[1])}`, async () => {
      const shape = (r: { status: number; text: string }) => {
        const b = JSON.parse(r.text) as { status: string; errorType?: string; error?: string };
        return [r.status, b.status, b.errorType, b.error];
      };
      const theirs = await ask(prometheus.base, c);
      const ours = await ask(t.url, c, t.adminHeaders);
      assert.deepEqual(shape(ours), shape(theirs), `${theirs.text}\n${ours.text}`);
      // Where 2.42 answers, the answer itself must be the same too.
      if (theirs.status === 200) assert.deepEqual(ours, theirs);
    });
  }
});
