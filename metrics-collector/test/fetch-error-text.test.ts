// A target or an alert webhook that cannot be reached says why (undici's cause), not only "fetch
// failed": black-box finding 2 and the collector's part of 9.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePorts } from '@flowrent/shared/testing';
import { WebhookNotifier } from '../src/rules/notifier.js';
import { parseScrapeConfig } from '../src/scrape/scrape-config.js';
import { ScrapeManager } from '../src/scrape/scrape-manager.js';
import { openStore } from './store-helpers.js';

test('a target nothing listens on shows the connection refused on its health, with the URL', async () => {
  const [port] = await freePorts(1);
  const s = openStore();
  const m = new ScrapeManager({
    config: parseScrapeConfig(
      `scrape_configs:\n  - job_name: down\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`,
    ),
    store: s.store,
    clock: () => 1_700_000_000_000,
  });
  await m.scrapeRound(1_700_000_000_000);
  const [t] = m.targets();
  assert.equal(t.health, 'down');
  assert.equal(t.lastError, `Get "http://127.0.0.1:${port}/metrics": connect ECONNREFUSED 127.0.0.1:${port}`);
  await s.close();
});

test('an alert webhook nothing listens on is reported with the connection refused', async () => {
  const [port] = await freePorts(1);
  const errors: string[] = [];
  const n = new WebhookNotifier({
    urls: [`http://127.0.0.1:${port}/hook`],
    externalURL: 'http://collector',
    maxAttempts: 1,
    onError: (m) => errors.push(m),
  });
  n.notify([
    {
      status: 'firing',
      labels: { alertname: 'A' },
      annotations: {},
      startsAt: 0,
      endsAt: 0,
      generatorURL: '',
    },
  ]);
  await n.idle();
  assert.deepEqual(errors, [
    `alert webhook http://127.0.0.1:${port}/hook failed: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`,
  ]);
});
