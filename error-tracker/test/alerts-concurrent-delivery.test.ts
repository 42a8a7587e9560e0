// A webhook receiver that does not answer (a host behind a firewall that drops packets) must not
// hold the alerts of other receivers: deliveries run side by side, a few per receiver
// (black-box 10 #58: sent one by one, each waited for the 5 s timeout of the dead one before it).
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
const healthy = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.end('ok');
    healthyPaths.push(req.url ?? '');
    if (healthyPaths.length === ISSUES) allHealthy();
  });
});
const held: ServerResponse[] = [];
let heldTotal = 0;
let revived = false;
const dead = createServer((req, res) => {
  req.resume();
  if (revived) return void res.end('late');
  held.push(res);
  heldTotal++;
});
const healthyPaths: string[] = [];
const ISSUES = 10;
let allHealthy: () => void;
const healthyDone = new Promise<void>((resolve) => (allHealthy = resolve));

const listen = async (s: typeof healthy) => {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

before(async () => {
  t = await startTracker();
});
after(async () => {
  await t.close();
  for (const s of [healthy, dead]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

test('a receiver that never answers does not delay alerts to a healthy one', async () => {
  const deadUrl = await listen(dead);
  const okUrl = await listen(healthy);
  // the dead rule first: each healthy delivery is queued behind a dead one
  await api(t, 'POST', '/api/projects/1/alerts', { trigger: 'new_issue', url: `${deadUrl}/hook` });
  await api(t, 'POST', '/api/projects/1/alerts', { trigger: 'new_issue', url: `${okUrl}/hook` });
  for (let i = 0; i < ISSUES; i++) await sendEvent(t, { type: `Burst${i}Error` });
  t.drain();

  const round = t.app.errorTracker.deliverer.deliverDue();
  // well under the 5 s timeout of a delivery: sent in turn, only the first healthy one arrives
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    healthyDone.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3000))),
  ]);
  clearTimeout(timer);
  assert.ok(
    inTime,
    `healthy receiver got ${healthyPaths.length} of ${ISSUES} while the dead one held its requests`,
  );
  assert.ok(heldTotal <= 2, `at most 2 deliveries wait on one receiver, not ${heldTotal}`);

  // the dead receiver answers at last: the rest of its deliveries go out in the same round
  revived = true;
  for (const res of held.splice(0)) res.end('late');
  await round;
  const log = (
    await api<{ data: { status: string; url: string }[] }>(t, 'GET', '/api/projects/1/alert-deliveries')
  ).json.data;
  assert.equal(log.length, 2 * ISSUES);
  assert.deepEqual(
    log.filter((d) => d.status !== 'delivered'),
    [],
  );
});
