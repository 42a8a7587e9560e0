// An inbox body that kills the process while it is replayed at start (out of memory, an abort: no
// catch sees it) is parsed alone at the next start, then quarantined once a start died doing that
// (MAX_REPLAY_DEATHS in all), so the service reaches /readyz instead of dying on every start. Starts
// that died on it in the inbox's order only (a SIGKILL, a stop during start-up, the whole inbox out
// of memory) never get it quarantined. A start dies while the `replaying` marker names the body: the
// test leaves that marker behind as such a start would.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { ALONE, MAX_REPLAY_DEATHS, REPLAY_DEATHS_FILE, REPLAYING_FILE } from '../src/store/quarantine.js';
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

/** A store whose inbox holds two unsealed bodies, 'killer body' and 'good body'; the killer's seq. */
async function twoBodies(): Promise<{ dataDir: string; quarantine: string; killer: number }> {
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
  return { dataDir, quarantine, killer };
}

test('an inbox body that starts died replaying is parsed alone, then quarantined and the app reaches /readyz', async () => {
  const { dataDir, quarantine, killer } = await twoBodies();
  const reports: string[] = [];
  for (let death = 1; death <= MAX_REPLAY_DEATHS; death++) {
    // The previous start died while replaying the killer body: first in the inbox's order, then
    // (the start after that parses it alone first) with no other rows in memory.
    writeFileSync(join(quarantine, REPLAYING_FILE), `${killer}${death === 1 ? '' : ALONE}`);
    const api = await startApi(
      {},
      { dataDir, store: { sealWorker: false, onBackgroundError: (_e, what) => reports.push(what) } },
    );
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    const expected = death < MAX_REPLAY_DEATHS ? ['good body', 'killer body'] : ['good body'];
    assert.deepEqual(await messages(api), expected, `start after death ${death}`);
    assert.ok(!existsSync(join(quarantine, REPLAYING_FILE)), 'the marker is cleared after the replay');
    await crash(api);
  }
  assert.equal(readFileSync(join(quarantine, REPLAY_DEATHS_FILE), 'utf8'), `${killer}\n${killer}${ALONE}\n`);
  assert.ok(readdirSync(quarantine).some((f) => f === `replay-${killer}.ndjson`));
  assert.ok(reports.some((r) => /kept in .*replay-\d+\.ndjson/.test(r)));
});

test('starts killed while replaying one body in the inbox order (SIGKILL, a stop) never get it quarantined', async () => {
  const { dataDir, quarantine, killer } = await twoBodies();
  for (let death = 1; death <= MAX_REPLAY_DEATHS + 1; death++) {
    writeFileSync(join(quarantine, REPLAYING_FILE), String(killer));
    const api = await startApi({}, { dataDir, store: { sealWorker: false } });
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    // Parsed alone first without dying: the body was not the cause, it is replayed.
    assert.deepEqual(await messages(api), ['good body', 'killer body'], `start after death ${death}`);
    assert.ok(!existsSync(join(quarantine, REPLAYING_FILE)));
    await crash(api);
  }
  assert.ok(!readdirSync(quarantine).some((f) => f.startsWith('replay-') && f !== REPLAY_DEATHS_FILE));
});
