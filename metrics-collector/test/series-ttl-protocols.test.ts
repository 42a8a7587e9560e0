// A series pushed with ttl_seconds over POST /api/metrics and later written without a TTL by any
// other ingestion path (remote_write over HTTP, StatsD over real UDP, a scrape of a loopback
// target, a JSON push without ttl_seconds) becomes permanent again: it stays listed and queryable
// after the old TTL has passed, also after a restart. Before, only the JSON push cleared it and a
// remote-written series vanished at the old expiry while its samples kept arriving.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { parseScrapeConfig } from '../src/scrape/scrape-config.js';
import { ScrapeManager } from '../src/scrape/scrape-manager.js';
import { StatsdServer } from '../src/statsd/statsd-server.js';
import { postRemoteWrite, startCollector } from './ingest-helpers.js';
import { openStore } from './store-helpers.js';

const T0 = 1_795_000_020_000 - (1_795_000_020_000 % 15_000);

test('a TTL series written again without a TTL by remote_write, StatsD, a scrape or a push stays after the old TTL, also after a restart', async () => {
  let now = T0;
  const t = await startCollector({}, () => now);
  const { store } = t.app.ingestion;
  const names = ['via_rw', 'via_statsd', 'via_scrape', 'via_push', 'still_ttl'];
  const push = async (body: object) => {
    const res = await fetch(`${t.url}/api/metrics`, {
      method: 'POST',
      headers: { ...t.adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 204, await res.text());
  };
  await push({ metrics: names.map((name) => ({ name, type: 'gauge', value: 1, ttl_seconds: 60 })) });
  now += 15_000;

  const rw = encodeWriteRequest([{ labels: [['__name__', 'via_rw']], timestamps: [now], values: [2] }]);
  const res = await postRemoteWrite(t, compressSync(Buffer.from(rw)));
  assert.equal(res.status, 204, await res.text());

  const statsd = new StatsdServer({
    host: '127.0.0.1',
    port: 0,
    store,
    clock: () => now,
    flushIntervalMs: 3600_000,
  });
  const { port } = await statsd.start();
  const udp = createSocket('udp4');
  await new Promise<void>((r, j) => udp.send('via_statsd:2|g', port, '127.0.0.1', (e) => (e ? j(e) : r())));
  await statsd.waitForDatagrams(1);
  await statsd.flush();

  const target = createServer((_req, out) =>
    out.writeHead(200, { 'content-type': 'text/plain' }).end('via_scrape 2\n'),
  );
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const dir = makeTempDir('ttl-scrape-');
  const yaml = `scrape_configs:\n  - job_name: app\n    static_configs: [{targets: ['127.0.0.1:${(target.address() as AddressInfo).port}']}]\n`;
  writeFileSync(join(dir, 'scrape.yml'), yaml);
  const scraper = new ScrapeManager({ config: parseScrapeConfig(yaml, dir), store, clock: () => now });
  await scraper.scrapeRound(now);

  await push({ metrics: [{ name: 'via_push', type: 'gauge', value: 2 }] });

  const listed = async (at: number) => {
    const r = await fetch(`${t.url}/api/v1/label/__name__/values?start=${at / 1000}`, {
      headers: t.adminHeaders,
    });
    const all = ((await r.json()) as { data: string[] }).data;
    return all.filter((n) => n.startsWith('via_') || n === 'still_ttl');
  };
  now = T0 + 120_000; // the old TTL (T0 + 60 s) has passed
  const expected = ['via_push', 'via_rw', 'via_scrape', 'via_statsd'];
  assert.deepEqual(await listed(T0), expected);
  const q = await fetch(`${t.url}/api/v1/query?query=via_rw&time=${(T0 + 30_000) / 1000}`, {
    headers: t.adminHeaders,
  });
  assert.deepEqual(((await q.json()) as { data: { result: unknown[] } }).data.result, [
    { metric: { __name__: 'via_rw' }, value: [(T0 + 30_000) / 1000, '2'] },
  ]);

  udp.close();
  await statsd.stop();
  await new Promise<void>((r) => target.close(() => r()));
  await t.close(); // checkpoints the cleared expiries

  const again = openStore(t.dataDir, {
    walDir: join(t.config.DATA_DIR, 'metrics-wal'),
    clock: () => T0 + 120_000,
  });
  try {
    const series = again.source.series(
      [[{ name: '__name__', type: '=~', value: 'via_.*|still_ttl' }]],
      T0,
      now,
    );
    assert.deepEqual(series.map((l) => l.__name__).sort(), expected);
  } finally {
    await again.close();
  }
});
