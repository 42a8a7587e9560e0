// An inbox body that kills the process while it is replayed at start (out of memory, an abort: no
// catch sees it) is retried, then quarantined once MAX_REPLAY_DEATHS starts died on it, so the
// service reaches /readyz instead of dying on every start. A start dies while the `replaying` marker
// names the body: the test leaves that marker behind as such a start would.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { MAX_REPLAY_DEATHS, REPLAY_DEATHS_FILE, REPLAYING_FILE } from '../src/store/quarantine.js';
import { type Api, NOW_MS, startApi } from './api-helpers.js';

async function crash(api: Api): Promise<void> {
  await api.app.close();
  await api.store.close({ seal: false });
  closeDatabase(api.db);
}

async function messages(api: Api): Promise<string[]> {
  const res = await api.json<{ data: Array<{ message: string }> }>('/api/logs?from=1h&query=*');
  assert.equal(res.status, 200);
  return res.body.data.map((r) => r.message).sort();
}

test('an inbox body that starts died replaying is retried, then quarantined and the app reaches /readyz', async () => {
  const first = await startApi({}, { store: { sealWorker: false } });
  const at = new Date(NOW_MS - 60_000).toISOString();
  const post = (message: string) =>
    fetch(`${first.url}/api/logs`, {
      method: 'POST',
      headers: { ...first.headers, 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ timestamp: at, service: 'r', message }),
    });
  assert.equal((await post('killer body')).status, 200);
  assert.equal((await post('good body')).status, 200);
  let killer = -1;
  first.store.scan({ fromNs: 0n, toNs: 1n << 62n, order: 'asc' }, (r) => {
    if (r.message === 'killer body') killer = r.seq;
    return true;
  });
  const dataDir = first.dataDir;
  await crash(first);
  assert.ok(killer > 0);
  const quarantine = join(dataDir, 'quarantine');
  mkdirSync(quarantine, { recursive: true });

  const reports: string[] = [];
  let api = first;
  for (let death = 1; death <= MAX_REPLAY_DEATHS; death++) {
    // The previous start died while replaying the killer body.
    writeFileSync(join(quarantine, REPLAYING_FILE), String(killer));
    api = await startApi(
      {},
      { dataDir, store: { sealWorker: false, onBackgroundError: (_e, what) => reports.push(what) } },
    );
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    const expected = death < MAX_REPLAY_DEATHS ? ['good body', 'killer body'] : ['good body'];
    assert.deepEqual(await messages(api), expected, `start after death ${death}`);
    assert.ok(!existsSync(join(quarantine, REPLAYING_FILE)), 'the marker is cleared after the replay');
    await crash(api);
  }
  assert.equal(
    readFileSync(join(quarantine, REPLAY_DEATHS_FILE), 'utf8'),
    `${killer}\n`.repeat(MAX_REPLAY_DEATHS),
  );
  assert.ok(readdirSync(quarantine).some((f) => f === `replay-${killer}.ndjson`));
  assert.ok(reports.some((r) => /kept in .*replay-\d+\.ndjson/.test(r)));
});
