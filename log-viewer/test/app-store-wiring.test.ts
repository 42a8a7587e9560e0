// The app as main.ts runs it: creating its own block store with the configured ingest workers
// (INGEST_WORKERS, reported on /metrics), from POST to a query answer, including with no workers.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '@flowrent/shared/config';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { Registry } from '@flowrent/shared/metrics';
import { makeTempDir, TEST_API_KEY } from '@flowrent/shared/testing';
import { createApp } from '../src/app.js';
import { configTable } from '../src/config.js';
import { MIGRATIONS } from './api-helpers.js';

for (const workers of ['0', '1']) {
  test(`INGEST_WORKERS=${workers}: NDJSON posted to the app's own store is durable and searchable`, async () => {
    const dataDir = makeTempDir('logviewer-wiring-');
    const config = loadConfig(configTable, {
      API_KEY: TEST_API_KEY,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      INGEST_WORKERS: workers,
    });
    const db = openDatabase(join(dataDir, 'logs.db'));
    migrate(db, MIGRATIONS);
    const app = await createApp({
      config,
      version: '0.0.0-test',
      db,
      registry: new Registry(),
      isReady: () => true,
      clock: Date.now,
      logger: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const headers = { authorization: `Bearer ${TEST_API_KEY}` };
    try {
      const now = new Date().toISOString();
      const lines = ['alpha', 'bravo', 'charlie'].map((word) =>
        JSON.stringify({
          timestamp: now,
          level: 'warn',
          service: 'wiring',
          message: `needle-${workers} ${word}`,
        }),
      );
      const posted = await fetch(`${url}/api/logs`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-ndjson' },
        body: lines.join('\n'),
      });
      assert.equal(posted.status, 200, await posted.text());
      const found = await fetch(`${url}/api/logs?query=${encodeURIComponent(`needle-${workers}`)}&from=1h`, {
        headers,
      });
      const body = (await found.json()) as { data: Array<{ message: string; level: string }> };
      assert.deepEqual(body.data.map((r) => r.message).sort(), [
        `needle-${workers} alpha`,
        `needle-${workers} bravo`,
        `needle-${workers} charlie`,
      ]);
      assert.ok(body.data.every((r) => r.level === 'warn'));
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, new RegExp(`^log_ingest_workers_live ${workers}$`, 'm'));
    } finally {
      await app.close();
      closeDatabase(db);
    }
  });
}
