// *_file credentials are read before every scrape, as Prometheus 2.42 reads them for every request:
// a rotated token (Kubernetes projected tokens, Vault agents) is used at the next scrape instead of
// a 401 until a restart (black-box finding 1).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { parseScrapeConfig } from '../src/scrape/scrape-config.js';
import { ScrapeManager } from '../src/scrape/scrape-manager.js';
import { openStore } from './store-helpers.js';

test('a rotated credentials_file token and password_file password are used at the next scrape', async () => {
  let accepted = ['Bearer tok1', `Basic ${Buffer.from('u:pw1').toString('base64')}`];
  const server = createServer((req, res) => {
    const ok = accepted.includes(req.headers.authorization ?? '');
    res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' });
    res.end(ok ? 'x 1\n' : 'no\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = makeTempDir('scrape-creds-');
  writeFileSync(join(dir, 'tok'), 'tok1\n');
  writeFileSync(join(dir, 'pw'), 'pw1\n');
  const s = openStore();
  let tick = 1_700_000_000_000;
  const m = new ScrapeManager({
    config: parseScrapeConfig(
      `scrape_configs:
  - job_name: bearer
    authorization: {credentials_file: tok}
    static_configs: [{targets: ['${target}']}]
  - job_name: basic
    basic_auth: {username: u, password_file: pw}
    static_configs: [{targets: ['${target}']}]
`,
      dir,
    ),
    store: s.store,
    clock: () => tick,
  });
  const health = () => m.targets().map((t) => [t.health, t.lastError]);
  try {
    await m.scrapeRound(tick);
    assert.deepEqual(health(), [
      ['up', ''],
      ['up', ''],
    ]);
    accepted = ['Bearer tok2', `Basic ${Buffer.from('u:pw2').toString('base64')}`];
    writeFileSync(join(dir, 'tok'), 'tok2\n');
    writeFileSync(join(dir, 'pw'), 'pw2\n');
    tick += 60_000;
    await m.scrapeRound(tick);
    assert.deepEqual(health(), [
      ['up', ''],
      ['up', ''],
    ]);
    // A file gone meanwhile fails that target's scrape with 2.42's words, not the start.
    rmSync(join(dir, 'tok'));
    tick += 60_000;
    await m.scrapeRound(tick);
    assert.deepEqual(health()[0], [
      'down',
      `unable to read authorization credentials file ${join(dir, 'tok')}: ENOENT`,
    ]);
  } finally {
    server.close();
    await s.close();
  }
});
