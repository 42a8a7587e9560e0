// /api/v1/alertmanagers lists the webhooks alerts go to (ALERT_WEBHOOK_URLS) where Prometheus 2.42
// lists its Alertmanagers, in its shape (api-status-oracle.test.ts compares the empty answer with
// the Debian binary's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCollector } from './ingest-helpers.js';

test('/api/v1/alertmanagers lists ALERT_WEBHOOK_URLS as active', async () => {
  const t = await startCollector({ ALERT_WEBHOOK_URLS: 'http://127.0.0.1:9/hook, http://127.0.0.1:10/x' });
  try {
    const res = await fetch(`${t.url}/api/v1/alertmanagers`, { headers: t.adminHeaders });
    assert.deepEqual(await res.json(), {
      status: 'success',
      data: {
        activeAlertmanagers: [{ url: 'http://127.0.0.1:9/hook' }, { url: 'http://127.0.0.1:10/x' }],
        droppedAlertmanagers: [],
      },
    });
  } finally {
    await t.close();
  }
});
