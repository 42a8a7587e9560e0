import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PushError, parsePushBatch, type StoredTypes } from './push-json.js';

test('parsePushBatch refuses a name pushed with two types in one batch, naming it', () => {
  const check = (metrics: object[], error: string | undefined) => {
    if (error === undefined) return parsePushBatch({ metrics }, 0);
    assert.throws(
      () => parsePushBatch({ metrics }, 0),
      (e) => e instanceof PushError && e.metric === 'jobs' && e.reason === error,
    );
  };
  check(
    [
      { name: 'jobs', type: 'counter', value: 1 },
      { name: 'jobs', type: 'gauge', value: 2 },
    ],
    'jobs is pushed as a counter and as a gauge in one batch (a name has one type)',
  );
  check(
    [
      { name: 'jobs', value: 1 }, // gauge by default
      { name: 'jobs', type: 'histogram', buckets: [{ le: '+Inf', count: 1 }], sum: 1, count: 1 },
    ],
    'jobs is pushed as a gauge and as a histogram in one batch (a name has one type)',
  );
  // The same type twice (two label sets of one metric) is fine.
  check(
    [
      { name: 'jobs', type: 'counter', labels: { q: 'a' }, value: 1 },
      { name: 'jobs', type: 'counter', labels: { q: 'b' }, value: 2 },
    ],
    undefined,
  );
});

test('parsePushBatch refuses a name whose stored series have another type, or a series of another family, naming it', () => {
  const families: Record<string, string> = {
    jobs: 'counter',
    latency: 'histogram',
    up: 'gauge',
    temp_count: 'gauge',
  };
  const suffixes: Record<string, string[]> = {
    counter: ['', '_total'],
    gauge: [''],
    histogram: ['_bucket', '_count', '_sum'],
  };
  const stored: StoredTypes = {
    familyType: (name) => families[name],
    ownersOf: (series) =>
      Object.entries(families)
        .filter(([family, type]) => suffixes[type].some((suffix) => family + suffix === series))
        .map(([family, type]) => ({ family, type })),
  };
  // Against the store the last metric is refused alone (the others are kept); within one batch
  // the whole batch is.
  const check = (metrics: Array<{ name: string; [field: string]: unknown }>, error: string | undefined) => {
    const batch = parsePushBatch({ metrics }, 0, stored);
    const last = metrics[metrics.length - 1].name;
    if (error === undefined) return assert.deepEqual(batch.refused, []);
    assert.deepEqual(
      batch.refused.map((e) => [e.metric, e.reason]),
      [[last, error]],
    );
    assert.ok(batch.samples.every((x) => !x.labels.some(([k, v]) => k === '__name__' && v.startsWith(last))));
    assert.ok(!batch.metadata.some((m) => m.name === last));
    assert.equal(batch.metadata.length, metrics.length - 1);
  };
  const checkWhole = (metrics: Array<{ name: string; [field: string]: unknown }>, error: string) =>
    assert.throws(
      () => parsePushBatch({ metrics }, 0, stored),
      (e) => e instanceof PushError && e.metric === metrics[metrics.length - 1].name && e.reason === error,
    );
  const conflict = (name: string, was: string, now: string) =>
    `${name} is stored as a ${was} and pushed as a ${now} (a name has one type; push it as a ${was} or under another name)`;
  const intrudes = (name: string, type: string, series: string, owner: string, batch = '') =>
    `${name} (${type}) would write ${series}, a series of the ${owner}${batch} (a series belongs to one metric; push it under another name)`;
  const histogram = { type: 'histogram', buckets: [{ le: '+Inf', count: 1 }], sum: 1, count: 1 };
  check([{ name: 'jobs', type: 'gauge', value: 2 }], conflict('jobs', 'counter', 'gauge'));
  check([{ name: 'jobs', value: 2 }], conflict('jobs', 'counter', 'gauge')); // gauge by default
  check(
    [
      { name: 'up', value: 1 },
      { name: 'latency', type: 'counter', value: 3 },
    ],
    conflict('latency', 'histogram', 'counter'),
  );
  // The series of a stored histogram, and a histogram over a stored gauge's series.
  check(
    [{ name: 'latency_count', type: 'counter', value: 3 }],
    intrudes('latency_count', 'counter', 'latency_count', 'histogram latency'),
  );
  check(
    [{ name: 'latency_bucket', labels: { le: '1' }, value: 3 }],
    intrudes('latency_bucket', 'gauge', 'latency_bucket', 'histogram latency'),
  );
  check([{ name: 'temp', ...histogram }], intrudes('temp', 'histogram', 'temp_count', 'gauge temp_count'));
  // A counter's _total series pushed as a gauge; as a counter it is the same series and type.
  check([{ name: 'jobs_total', value: 1 }], intrudes('jobs_total', 'gauge', 'jobs_total', 'counter jobs'));
  check([{ name: 'jobs_total', type: 'counter', value: 1 }], undefined);
  // Within one batch.
  checkWhole(
    [
      { name: 'h3', ...histogram },
      { name: 'h3_count', value: 1 },
    ],
    intrudes('h3_count', 'gauge', 'h3_count', 'histogram h3', ' in this batch'),
  );
  // Its own type, and names the store does not know, are fine.
  check([{ name: 'jobs', type: 'counter', value: 3 }], undefined);
  check([{ name: 'latency', ...histogram }], undefined);
  check([{ name: 'new_one', type: 'gauge', value: 3 }], undefined);
});

test('parsePushBatch refuses histograms whose buckets a store or a query would misread', () => {
  const check = (m: object, error: string) =>
    assert.throws(
      () => parsePushBatch({ metrics: [{ name: 'h', type: 'histogram', ...m }] }, 0),
      (e) => e instanceof PushError && e.metric === 'h' && e.reason === error,
    );
  check(
    { labels: { le: '7' }, buckets: [{ le: 1, count: 1 }], sum: 1, count: 1 },
    'a histogram may not have a label named "le" (its buckets\' label)',
  );
  check(
    {
      buckets: [
        { le: 1, count: 5 },
        { le: 2, count: 3 },
      ],
      sum: 1,
      count: 2,
    },
    'bucket counts must not decrease (cumulative): le=2 has 3 after 5',
  );
  check(
    {
      buckets: [
        { le: 1, count: 1 },
        { le: '+Inf', count: 3 },
      ],
      sum: 1,
      count: 2,
    },
    "count 2 differs from the +Inf bucket's 3",
  );
  check({ buckets: [{ le: 1, count: 4 }], sum: 1, count: 2 }, "count 2 is below the last bucket's 4");
  // A gauge or counter may have an `le` label.
  parsePushBatch({ metrics: [{ name: 'g', labels: { le: '7' }, value: 1 }] }, 0);
  const ok = parsePushBatch(
    {
      metrics: [
        {
          name: 'h',
          type: 'histogram',
          buckets: [
            { le: 1, count: 1 },
            { le: 2, count: 1 },
          ],
          sum: 1,
          count: 3,
        },
      ],
    },
    0,
  );
  assert.deepEqual(
    ok.samples.map((s) => [s.labels.find(([n]) => n === 'le')?.[1] ?? s.labels[0][1], s.value]),
    [
      ['1', 1],
      ['2', 1],
      ['+Inf', 3],
      ['h_sum', 1],
      ['h_count', 3],
    ],
  );
});
