// Every exposition and StatsD capture in fixtures/metrics/ decoded by the pure parsers, asserting
// the facts the shared fixtures README lists for it. (The remote_write captures are replayed over
// HTTP in remote-write.test.ts.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Exposition, parseExposition } from '../src/ingest/exposition.js';
import { parseStatsdDatagram } from '../src/ingest/statsd.js';
import { StatsdAggregator } from '../src/statsd/statsd-aggregator.js';
import { FIXTURES } from './ingest-helpers.js';

const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function typeCounts(e: Exposition): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of e.families.values()) if (f.type !== 'untyped') counts[f.type] = (counts[f.type] ?? 0) + 1;
  return counts;
}

function find(e: Exposition, name: string, label?: [string, string]) {
  return e.samples.filter(
    (s) => s.name === name && (!label || s.labels.some(([k, v]) => k === label[0] && v === label[1])),
  );
}

const ESCAPED_ROUTE = 'C:\\temp\\"quoted"\nline2';

function commonFacts(e: Exposition) {
  assert.deepEqual(
    find(e, 'http_requests_total').map((s) => [s.labels.find(([k]) => k === 'route')?.[1], s.value]),
    [
      ['/cart', 3],
      ['/checkout', 1],
      [ESCAPED_ROUTE, 2],
    ],
  );
  assert.deepEqual(
    find(e, 'queue_depth').map((s) => s.value),
    [9, -1.5],
  );
  const buckets = find(e, 'http_request_duration_seconds_bucket');
  assert.equal(buckets.length, 10);
  assert.deepEqual(buckets[0].labels, [
    ['le', '0.1'],
    ['method', 'GET'],
  ]);
  assert.equal(buckets[0].value, 1);
}

test('prom-client 15.1.3 text expositions parse with every family and sample', () => {
  const text = parseExposition(read('prom-client-15.1.3-text.txt'));
  assert.deepEqual(typeCounts(text), { counter: 1, gauge: 1, histogram: 1, summary: 1 });
  assert.equal(text.samples.length, 24);
  commonFacts(text);
  assert.deepEqual(
    find(text, 'payload_size_bytes').map((s) => [s.labels[0][1], s.value]),
    [
      ['0.5', 300],
      ['0.9', 1000],
      ['0.99', 1000],
    ],
  );
  const defaults = parseExposition(read('prom-client-15.1.3-default-metrics-text.txt'));
  assert.deepEqual(typeCounts(defaults), { counter: 4, gauge: 28, histogram: 2, summary: 1 });
  assert.equal(defaults.samples.length, 76);
  commonFacts(defaults);
});

test('prom-client 15.1.3 OpenMetrics keeps the exemplar and the family named without _total', () => {
  const om = parseExposition(read('prom-client-15.1.3-openmetrics.txt'), { openMetrics: true });
  assert.equal(om.families.get('http_requests')?.type, 'counter');
  assert.equal(om.samples.length, 24);
  commonFacts(om);
  const withExemplar = om.samples.filter((s) => s.exemplar);
  assert.equal(withExemplar.length, 1);
  assert.deepEqual(withExemplar[0].exemplar, {
    labels: { trace_id: '5b8efff798038103d269b633813fc60c' },
    value: 0.42,
    timestampMs: 1795635913446,
  });
});

test('python prometheus_client 0.16.0 expositions parse, _created samples included', () => {
  const text = parseExposition(read('python-prometheus-client-0.16.0-text.txt'));
  assert.deepEqual(typeCounts(text), { counter: 1, gauge: 5, histogram: 1, summary: 1 });
  assert.equal(text.samples.length, 28);
  assert.equal(text.samples.filter((s) => s.name.endsWith('_created')).length, 6);
  commonFacts(text);
  const registry = parseExposition(read('python-prometheus-client-0.16.0-default-registry-text.txt'));
  assert.deepEqual(typeCounts(registry), { counter: 5, gauge: 11, histogram: 1, summary: 1 });
  assert.equal(registry.samples.length, 44);
  commonFacts(registry);
  const om = parseExposition(read('python-prometheus-client-0.16.0-openmetrics.txt'), { openMetrics: true });
  assert.deepEqual(typeCounts(om), { counter: 1, gauge: 1, histogram: 1, summary: 1, info: 1 });
  assert.equal(om.samples.length, 28);
  assert.equal(om.samples.filter((s) => s.name.endsWith('_created')).length, 6);
  assert.equal(om.samples.find((s) => s.exemplar)?.exemplar?.timestampMs, 1795635913793);
  commonFacts(om);
});

test('Prometheus 2.42 /metrics parses: 187 families and every sample line', () => {
  for (const [file, lines] of [
    ['prometheus-2.42.0-metrics.txt', 353],
    ['prometheus-2.42.0-metrics-accept-openmetrics.txt', 377],
  ] as const) {
    const e = parseExposition(read(file));
    assert.deepEqual(typeCounts(e), { summary: 8, gauge: 76, counter: 95, histogram: 8 });
    assert.equal(e.samples.length, lines);
    assert.deepEqual(
      find(e, 'go_gc_duration_seconds').map((s) => [s.labels[0][1], s.value]),
      [
        ['0', 3.5272e-5],
        ['0.25', 0.000118666],
        ['0.5', 0.000262819],
        ['0.75', 0.000362266],
        ['1', 0.000362266],
      ],
    );
    assert.equal(
      find(e, 'prometheus_build_info')[0].labels.find(([k]) => k === 'revision')?.[1],
      '2.42.0+ds-5+deb12u1',
    );
  }
});

function datagrams(name: string): string[] {
  const f = JSON.parse(read(name)) as { datagrams: { body_base64: string }[] };
  return f.datagrams.map((d) => Buffer.from(d.body_base64, 'base64').toString('utf8'));
}

function aggregate(name: string) {
  const agg = new StatsdAggregator();
  let skipped = 0;
  let errors = 0;
  for (const d of datagrams(name)) {
    const r = parseStatsdDatagram(d);
    agg.add(r.metrics);
    skipped += r.skipped;
    errors += r.errors.length;
  }
  const values = new Map<string, number>();
  const negativeCounters = agg.negativeCounters;
  for (const s of agg.flush(1000)) {
    const labels = s.labels
      .filter(([k]) => k !== '__name__')
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    values.set(`${s.labels[0][1]}{${labels}}`, s.v);
  }
  return { values, skipped, errors, negativeCounters };
}

test('hot-shots and python statsd captures aggregate into counters, gauges, histograms and sets', () => {
  for (const name of ['statsd-hot-shots-17.1.1-plain.json', 'statsd-python-statsd-4.0.1-plain.json']) {
    const { values, errors, negativeCounters } = aggregate(name);
    assert.equal(errors, 0);
    assert.equal(values.get('shop_checkout_requests{}'), 3); // 1 + 1/0.5
    // "inflight:-2|c" (a decrement) is dropped and counted, as statsd_exporter does: no series.
    assert.equal(values.has('shop_checkout_inflight{}'), false);
    assert.equal(negativeCounters, 1);
    assert.equal(values.get('shop_checkout_queue_depth{}'), 44); // 42 +5 -3
    assert.equal(values.get('shop_checkout_latency_count{}'), 1);
    assert.equal(values.get('shop_checkout_latency_sum{}'), 0.32);
    assert.equal(values.get('shop_checkout_latency_bucket{le=0.5}'), 1);
    assert.equal(values.get('shop_checkout_latency_bucket{le=0.25}'), 0);
    assert.equal(values.get('shop_checkout_unique_users{}'), 1);
  }
  const python = aggregate('statsd-python-statsd-4.0.1-plain.json').values;
  assert.equal(python.get('shop_checkout_temperature{}'), -7); // "0|g" then "-7|g" in one datagram
  const hot = aggregate('statsd-hot-shots-17.1.1-plain.json').values;
  assert.equal(hot.get('shop_checkout_payload_bytes_sum{}'), 512);
  assert.equal(hot.get('shop_checkout_render_ms_sum{}'), 12.5);
});

test('DogStatsD tags become labels; events and service checks are skipped; telegraf tags parse', () => {
  const tags = aggregate('statsd-hot-shots-17.1.1-tags.json');
  assert.equal(tags.errors, 0);
  assert.equal(tags.skipped, 2);
  assert.equal(tags.values.get('orders_created{env=prod,region=eu,service=checkout}'), 1);
  assert.equal(tags.values.get('cart_items{plan=pro,service=checkout,tenant=acme}'), 3);
  assert.equal(tags.values.get('http_latency_count{method=POST,route=/pay,service=checkout}'), 4); // @0.25
  assert.equal(tags.values.get('users_active{service=checkout,tenant=acme}'), 1);
  const tg = aggregate('statsd-hot-shots-17.1.1-telegraf.json').values;
  assert.equal(tg.get('tg_requests{env=prod,region=eu}'), 1);
  assert.equal(tg.get('tg_queue_depth{tenant=acme}'), 9);
  for (const name of ['statsd-hot-shots-17.1.1-buffered.json', 'statsd-python-statsd-4.0.1-pipeline.json']) {
    const { values } = aggregate(name);
    assert.equal(values.get('batch_queue_depth{}'), 7);
    assert.equal(values.get('batch_users{}'), 1);
    assert.equal(values.get('batch_latency_count{}'), 1);
  }
  assert.equal(aggregate('statsd-hot-shots-17.1.1-buffered.json').values.get('batch_requests{env=prod}'), 2);
  assert.equal(aggregate('statsd-python-statsd-4.0.1-pipeline.json').values.get('batch_requests{}'), 4);
});
