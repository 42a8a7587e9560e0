// A database error midway through a bulk quarantine retry (POST /api/quarantine/retry), over the
// real server (temp-file SQLite, 127.0.0.1 port 0, settable clock): the entries applied before it
// stay applied and the 503 says which they were, and which ids were kept untried; a second call,
// once the database works, applies the rest. The error is injected inside the entry's
// transaction by a SQL function a trigger calls (as test/quarantine-api.test.ts does).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bugBackoffMs, MAX_BUG_ATTEMPTS } from '../src/store/digest.js';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let fault: ((message: string) => Error | null) | null = null;

before(async () => {
  t = await startTracker();
  t.db.function('inject_fault', (message: unknown) => {
    const err = fault?.(String(message));
    if (err) throw err;
    return 0;
  });
  t.db.exec(
    'CREATE TEMP TRIGGER inject_fault BEFORE INSERT ON events BEGIN SELECT inject_fault(NEW.message); END',
  );
});
after(async () => t.close());

const messages = () => t.db.prepare('SELECT message FROM events ORDER BY id').pluck().all() as string[];
const quarantined = () =>
  t.db.prepare('SELECT inbox_id FROM digest_quarantine ORDER BY inbox_id').pluck().all() as number[];

/** Four entries set aside as repeated failures (a bug-like error on every attempt). */
async function quarantineFour(): Promise<number[]> {
  for (let i = 0; i < 4; i++) await sendEvent(t, { message: `entry ${i}` });
  fault = () => new TypeError('bug');
  for (let attempt = 1; attempt <= MAX_BUG_ATTEMPTS; attempt++) {
    try {
      t.drain();
    } catch {}
    t.clock.now += bugBackoffMs(attempt);
  }
  fault = null;
  const ids = quarantined();
  assert.equal(ids.length, 4);
  return ids;
}

test('a database error midway through a bulk retry answers 503 with what was applied and what was kept', async () => {
  const ids = await quarantineFour();
  fault = (m) =>
    m === 'entry 2' ? Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }) : null;
  const res = await fetch(`${t.url}/api/quarantine/retry`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [...ids, 999_999] }),
  });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '5');
  const { error } = (await res.json()) as {
    error: {
      code: string;
      message: string;
      details: { applied: number[]; failed: unknown[]; missing: number[]; not_retried: number[] };
    };
  };
  assert.equal(error.code, 'unavailable');
  assert.match(error.message, /disk I\/O error/);
  assert.deepEqual(error.details, {
    applied: ids.slice(0, 2),
    failed: [],
    missing: [],
    not_retried: [ids[2], ids[3], 999_999],
  });
  assert.deepEqual(messages(), ['entry 0', 'entry 1'], 'the applied entries stay applied');
  assert.deepEqual(quarantined(), ids.slice(2), 'the failed one and the untried ones are kept');

  // the single-entry retry: the same error is a 503 too, nothing changed
  const one = await api(t, 'POST', `/api/quarantine/${ids[2]}/retry`);
  assert.equal(one.status, 503);
  assert.deepEqual(quarantined(), ids.slice(2));

  fault = null;
  const again = await api<{ applied: number[]; failed: unknown[]; missing: number[] }>(
    t,
    'POST',
    '/api/quarantine/retry',
    { ids: error.details.not_retried },
  );
  assert.equal(again.status, 200);
  assert.deepEqual(again.json, { applied: ids.slice(2), failed: [], missing: [999_999] });
  assert.deepEqual(messages(), ['entry 0', 'entry 1', 'entry 2', 'entry 3']);
  assert.deepEqual(quarantined(), []);
});
