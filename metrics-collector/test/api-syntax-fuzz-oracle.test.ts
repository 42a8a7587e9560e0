// A corpus of ~3,000 malformed (and some valid) PromQL queries, mutations of dashboard queries
// (fixtures/promql/malformed-queries.txt), answered byte for byte as Debian's Prometheus 2.42
// answers them on /api/v1/query (on loopback, both empty): the same error text at the same
// position, or the same result.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const QUERIES = readFileSync(new URL('./fixtures/promql/malformed-queries.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => JSON.parse(l) as string);

async function ask(base: string, query: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query, time: '1700000600' })}`, {
    headers,
  });
  return `${r.status} ${await r.text()}`;
}

describe('a corpus of malformed queries answered as Prometheus 2.42 answers them', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    [prometheus, t] = await Promise.all([startPrometheus(), startCollector()]);
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  it(`${QUERIES.length} queries: the same status and body`, async () => {
    const differ: Array<{ query: string; theirs: string; ours: string }> = [];
    // A few at a time: the corpus is large, each answer small.
    for (let i = 0; i < QUERIES.length; i += 8) {
      await Promise.all(
        QUERIES.slice(i, i + 8).map(async (query) => {
          const [theirs, ours] = await Promise.all([
            ask(prometheus.base, query),
            ask(t.url, query, t.adminHeaders),
          ]);
          if (theirs !== ours) differ.push({ query, theirs, ours });
        }),
      );
    }
    assert.deepEqual(differ, []);
  });
});
