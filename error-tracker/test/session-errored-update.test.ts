// Release health: a session is errored when ANY of its updates has errors > 0, counted once per
// sid, as Relay/Sentry do (Relay's session.error is a set of sids taken from every update; Sentry's
// errored = that set minus crashed and abnormal). The SDKs start a session clean (init, errors 0)
// and report the error in a later update, then exit: that session was never counted (black-box #8).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const STARTED = new Date().toISOString();
const item = (payload: object) => `{"type":"session"}\n${JSON.stringify(payload)}\n`;
const update = (sid: string, release: string, rest: object) =>
  item({ sid, started: STARTED, attrs: { release }, ...rest });

async function post(...items: string[]): Promise<void> {
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body: `{}\n${items.join('')}` });
  assert.equal(res.status, 200, res.body);
}

async function health(release: string): Promise<number[]> {
  type Row = { release: string; sessions: number; crashed: number; errored: number; abnormal: number };
  const res = await api<{ data: Row[] }>(t, 'GET', '/api/projects/1/releases');
  const r = res.json.data.find((row) => row.release === release);
  assert.ok(r, release);
  return [r.sessions, r.errored, r.crashed, r.abnormal];
}

const sid = (n: number) => n.toString(16).padStart(32, 'a');

test('a session errored in a later update counts as errored once (the SDK flow: init ok, errors 1, exited)', async () => {
  await post(update(sid(1), 'flow@1', { init: true, status: 'ok', errors: 0 }));
  t.drain();
  await post(update(sid(1), 'flow@1', { status: 'ok', errors: 1 }));
  await post(update(sid(1), 'flow@1', { status: 'exited', errors: 1 }));
  // a second session of the release stays clean
  await post(update(sid(2), 'flow@1', { init: true, status: 'ok', errors: 0 }));
  await post(update(sid(2), 'flow@1', { status: 'exited', errors: 0 }));
  t.drain();
  assert.deepEqual(await health('flow@1'), [2, 1, 0, 0]);
});

test('init and the errored update in one envelope; init already errored, then more errors', async () => {
  await post(
    update(sid(3), 'one@1', { init: true, status: 'ok', errors: 0 }),
    update(sid(3), 'one@1', { status: 'exited', errors: 1 }),
  );
  await post(update(sid(4), 'one@1', { init: true, status: 'ok', errors: 1 }));
  await post(update(sid(4), 'one@1', { status: 'ok', errors: 3 }));
  await post(update(sid(4), 'one@1', { status: 'exited', errors: 3 }));
  t.drain();
  assert.deepEqual(await health('one@1'), [2, 2, 0, 0]);
});

test('errored, then crashed or abnormal: counted as crashed or abnormal only (Sentry: errored excludes them)', async () => {
  await post(update(sid(5), 'crash@1', { init: true, status: 'ok', errors: 0 }));
  await post(update(sid(5), 'crash@1', { status: 'ok', errors: 1 }));
  t.drain();
  assert.deepEqual(await health('crash@1'), [1, 1, 0, 0]);
  await post(update(sid(5), 'crash@1', { status: 'crashed', errors: 2 }));
  await post(update(sid(6), 'crash@1', { init: true, status: 'ok', errors: 2 }));
  await post(update(sid(6), 'crash@1', { status: 'abnormal', errors: 2 }));
  // a crash at init is never errored, and an errors update after it does not make it so
  await post(update(sid(7), 'crash@1', { init: true, status: 'crashed', errors: 1 }));
  await post(update(sid(7), 'crash@1', { status: 'ok', errors: 2 }));
  t.drain();
  assert.deepEqual(await health('crash@1'), [3, 0, 2, 1]);
});

test('status "errored" counts like errors > 0', async () => {
  await post(update(sid(8), 'st@1', { init: true, status: 'ok' }));
  await post(update(sid(8), 'st@1', { status: 'errored', errors: 0 }));
  t.drain();
  assert.deepEqual(await health('st@1'), [1, 1, 0, 0]);
});
