// A webhook says which rule fired and, for "more than N events in M minutes", its condition, in the
// JSON body (`rule`) and the Slack text and fields: "Frequent issue: latency probe" was all a
// receiver learnt (black-box 10 #73), where Sentry's payload carries its triggering rules.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
const bodies = new Map<string, Record<string, unknown>>();
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    bodies.set(req.url ?? '', JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.end('ok');
  });
});

before(async () => {
  t = await startTracker();
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

test('JSON and Slack bodies name the rule that fired and a frequency rule its condition', async () => {
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const freq = { trigger: 'frequency', threshold: 3, window_minutes: 1 };
  const json = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', {
    ...freq,
    url: `${hook}/json`,
  });
  const slack = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', {
    ...freq,
    url: `${hook}/slack`,
    format: 'slack',
  });
  const created = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'new_issue',
    url: `${hook}/new`,
  });
  for (let i = 0; i < 4; i++) await sendEvent(t, { message: 'latency probe' });
  t.drain();
  await t.app.errorTracker.deliverer.deliverDue();

  const j = bodies.get('/json') as { text: string; rule: unknown };
  assert.equal(j.text, 'Frequent issue (more than 3 events in 1 minute): latency probe');
  assert.deepEqual(j.rule, {
    id: json.json.id,
    trigger: 'frequency',
    threshold: 3,
    window_minutes: 1,
    condition: 'more than 3 events in 1 minute',
  });
  const s = bodies.get('/slack') as {
    text: string;
    attachments: { fields: { title: string; value: string }[] }[];
  };
  assert.match(s.text, /^Frequent issue \(more than 3 events in 1 minute\): latency probe \(/);
  assert.deepEqual(
    s.attachments[0].fields.find((f) => f.title === 'Rule'),
    { title: 'Rule', value: `#${slack.json.id}: more than 3 events in 1 minute`, short: false },
  );
  const n = bodies.get('/new') as { text: string; rule: { id: number; condition: string | null } };
  assert.equal(n.text, 'New issue: latency probe');
  assert.deepEqual([n.rule.id, n.rule.condition], [created.json.id, null]);
});
