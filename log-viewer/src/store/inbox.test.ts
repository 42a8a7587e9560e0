import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { Inbox } from './inbox.js';

test('appendBody() reads each body back from its frame, after later frames and after a restart replays them', async () => {
  const dir = join(makeTempDir('lv-inbox-'), 'inbox');
  const { inbox } = Inbox.open(dir);
  const bodies = [
    Buffer.from('{"msg":"a"}'),
    Buffer.alloc(70_000, 'x'),
    Buffer.from('{"msg":"c"}\n{"msg":"d"}'),
  ];
  const written = bodies.map((body, i) =>
    inbox.appendBody(i % 2, {
      kind: 'ndjson',
      body,
      seqBase: 1 + 10 * i,
      count: 1 + (i === 2 ? 1 : 0),
      nowNs: 5n,
    }),
  );
  await Promise.all(written.map((w) => w.durable));
  for (let i = 0; i < bodies.length; i++) assert.deepEqual(written[i].read(), bodies[i]);
  await inbox.close();
  const again = Inbox.open(dir);
  assert.deepEqual(
    again.entries.map((e) => ('body' in e ? Buffer.from(e.body) : undefined)),
    bodies,
  );
  assert.deepEqual(written[1].read(), bodies[1]);
  await again.inbox.close();
});
