import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import { ndjsonColumns } from './ndjson-rows.js';
import { RowColumns } from './row-columns.js';
import { WARM_UP_BODY_BYTES, WARM_UP_STEPS, warmUpBody, warmUpIngest } from './ingest-warm-up.js';

test('warm-up bodies go through the NDJSON scan line by line (the code real bodies run)', () => {
  const out = Buffer.allocUnsafeSlow(WARM_UP_BODY_BYTES);
  for (const r of [0, 5, 11, 95]) {
    const body = warmUpBody(r, out);
    assert.ok(!Buffer.isBuffer(body), 'a plain Uint8Array, as bodies arrive from the main thread');
    const lines = Buffer.from(body).toString('utf8').split('\n');
    for (const line of lines) JSON.parse(line);
    const rows = new RowColumns(16);
    assert.ok(ndjsonColumns(body, 1n, 1, rows), `round ${r} takes the scan, not the object path`);
    assert.equal(rows.count, lines.length);
  }
});

/**
 * Hash of the blocks of a fixed NDJSON body encoded in a fresh thread (its own key and shape
 * registries), after `steps` warm-up steps there.
 */
function blocksHashInFreshThread(steps: number): Promise<string> {
  const url = (name: string) => JSON.stringify(new URL(name, import.meta.url).href);
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { createHash } = require('node:crypto');
    (async () => {
      if (${url('./ingest-warm-up.ts')}.endsWith('.ts')) (await import('tsx/esm/api')).register();
      const warm = await import(${url('./ingest-warm-up.ts')});
      const { parseBodyColumns } = await import(${url('./body-rows.ts')});
      const { encodeColumns } = await import(${url('./block-codec.ts')});
      const tables = warm.warmUpTables();
      for (let s = 0; s < ${steps}; s++) warm.warmUpStep(s, tables);
      const lines = [];
      for (let i = 0; i < 2100; i++)
        lines.push(JSON.stringify({ time: 1767225600000 + i, level: i % 3 ? 'info' : 'warn', service: 's' + (i % 4),
          message: 'line ' + i, zeta: i, [i % 2 ? 'alpha' : 'tags']: [i, 'x'], user: 'u-' + (i % 7) }));
      const rows = parseBodyColumns('ndjson', Buffer.from(lines.join('\\n')), 1795000000000000000n, 1).rows;
      const hash = createHash('sha256');
      for (let i = 0; i < rows.count; i += 1024) {
        const block = encodeColumns(rows, i, Math.min(rows.count, i + 1024));
        hash.update(block.data).update(block.bloom);
      }
      parentPort.postMessage(hash.digest('hex'));
    })().catch((err) => parentPort.postMessage('error: ' + err.stack));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once('message', (m: string) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

test('blocks are byte-identical whether or not the warm-up ran before them', async () => {
  const [cold, warm] = await Promise.all([blocksHashInFreshThread(0), blocksHashInFreshThread(10)]);
  assert.match(cold, /^[0-9a-f]{64}$/, cold);
  assert.equal(warm, cold);
});

test('a message arriving during the warm-up waits for the step in progress only, then goes first', async () => {
  // The worker's message handler marks real work (seal-worker.ts); here a MessagePort stands in for it.
  const events: string[] = [];
  let realWork = false;
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (m: string) => {
    realWork = true;
    events.push(m);
  });
  await new Promise<void>((resolve) =>
    warmUpIngest({
      busy: () => {
        const busy = realWork;
        realWork = false;
        return busy;
      },
      onStep: (rows) => {
        events.push(`step ${rows}`);
        if (events.length === 1) port2.postMessage('request'); // sent while the first step runs
      },
      onDone: resolve,
    }),
  );
  port1.close();
  // Before: rounds of 2 048 lines and a 4 096-row block every second round (100-200 ms on cold code).
  assert.deepEqual(events.slice(0, 3), ['step 256', 'request', 'step 256']);
  const steps = events.filter((e) => e.startsWith('step '));
  assert.equal(steps.length, WARM_UP_STEPS);
  assert.ok(
    steps.every((e) => Number(e.slice(5)) <= 1024),
    'no step handles more than 1 024 rows',
  );
});
