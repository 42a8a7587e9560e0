// A long query shares the event loop (promql/query.ts evaluateSliced): over the real server, a
// query held at one of its pauses (the test owns the turn between slices) does not stop
// remote_write, /healthz or another query from being answered; released, it answers what the
// whole evaluation answers; its timeout still ends it across pauses, and a client that goes away
// ends it at the next pause. Events, not timing: the
// slices are due at every chance (sliceMs 0) and the slices' clock is the test's.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import type { Config } from '../src/config.js';
import type { QueryGate } from '../src/http/api-query.js';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { evaluateRange } from '../src/promql/query.js';
import { postRemoteWrite, pushMetrics, startCollector } from './ingest-helpers.js';
import { holdNextPause } from './query-pause.js';

const BASE_S = 1_700_000_000;
const END_S = BASE_S + 3600;
const SERIES = 40;
const QUERY = 'sum by (mod) (rate(req_total[5m]))';

let c: TestApp<Config>;
let clockMs = 0;

function rangeUrl(q: string, extra = ''): string {
  const params = `query=${encodeURIComponent(q)}&start=${BASE_S + 600}&end=${END_S}&step=60${extra}`;
  return `${c.url}/api/v1/query_range?${params}`;
}

function writeRequest(name: string, t: number, v: number): Buffer {
  const body = encodeWriteRequest([{ labels: [['__name__', name]], timestamps: [t], values: [v] }]);
  return compressSync(Buffer.from(body));
}

before(async () => {
  c = await startCollector({}, () => END_S * 1000);
  c.app.querySlicing.sliceMs = 0;
  c.app.querySlicing.now = () => clockMs;
  const metrics = [];
  for (let k = 0; k < SERIES; k++) {
    for (let t = BASE_S; t <= END_S; t += 30) {
      metrics.push({
        name: 'req_total',
        type: 'counter',
        labels: { i: String(k), mod: String(k % 4) },
        value: (t - BASE_S) * (k + 1),
        timestamp: t,
      });
    }
  }
  const r = await pushMetrics(c, metrics);
  assert.equal(r.status, 204, await r.text());
});

after(async () => {
  await c?.close();
});

describe('a query held mid-evaluation', () => {
  it('lets remote_write, /healthz and another query through, then answers as the whole evaluation', async () => {
    const held = holdNextPause(c.app.querySlicing);
    let settled = false;
    const pending = fetch(rangeUrl(QUERY), { headers: c.adminHeaders }).then(async (r) => {
      settled = true;
      return { status: r.status, body: await r.json() };
    });
    await held.reached;

    const write = await postRemoteWrite(c, writeRequest('during_query', END_S * 1000, 7));
    assert.equal(write.status, 204, await write.text());
    assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
    const other = await fetch(`${c.url}/api/v1/query?query=during_query&time=${END_S}`, {
      headers: c.adminHeaders,
    });
    assert.deepEqual((await other.json()).data.result, [
      { metric: { __name__: 'during_query' }, value: [END_S, '7'] },
    ]);
    assert.equal(settled, false, 'the held query answered before it was released');

    held.release();
    const r = await pending;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const whole = evaluateRange(c.app.ingestion.source, QUERY, (BASE_S + 600) * 1000, END_S * 1000, 60_000);
    assert.equal(whole.resultType, 'matrix');
    assert.equal(r.body.data.result.length, 4);
    assert.deepEqual(
      r.body.data.result.map((s: { metric: object; values: [number, string][] }) => s.metric),
      whole.result.map((s) => s.metric),
    );
    for (const [k, s] of (whole.result as { timestamps: number[]; values: number[] }[]).entries()) {
      const got = r.body.data.result[k].values as [number, string][];
      assert.deepEqual(
        got.map(([t]) => t * 1000),
        s.timestamps,
      );
      assert.deepEqual(
        got.map(([, v]) => Number(v)),
        s.values,
      );
    }
  });

  it('times out across its pauses (503 timeout) while ingest goes on', async () => {
    const held = holdNextPause(c.app.querySlicing);
    const pending = fetch(rangeUrl(QUERY, '&timeout=5s'), { headers: c.adminHeaders });
    await held.reached;
    const write = await postRemoteWrite(c, writeRequest('during_timeout', END_S * 1000, 1));
    assert.equal(write.status, 204, await write.text());
    clockMs += 5001;
    held.release();
    const r = await pending;
    assert.equal(r.status, 503);
    const body = await r.json();
    assert.equal(body.errorType, 'timeout');
  });

  it('stops at its next pause once the client has gone away', async () => {
    const held = holdNextPause(c.app.querySlicing);
    const serverSocket = new Promise<Socket>((resolve) => c.app.server.once('connection', resolve));
    // Its own connection (no keep-alive pool), so the server-side socket is the query's.
    const req = request(rangeUrl(QUERY), { headers: c.adminHeaders, agent: false });
    req.on('error', () => {});
    req.end();
    const socket = await serverSocket;
    await held.reached;
    const closed = once(socket, 'close');
    req.destroy();
    await closed;
    // After the release the evaluation would go on to its next pause at once (sliceMs 0) and ask
    // for another turn; canceled, it asks for none.
    const slicing = c.app.querySlicing;
    const nextTurn = slicing.nextTurn;
    let turns = 0;
    slicing.nextTurn = () => {
      turns++;
      return nextTurn();
    };
    try {
      held.release();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(turns, 0, 'the evaluation went on after the client left');
    } finally {
      slicing.nextTurn = nextTurn;
    }
    assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
  });

  it('lets no more queries evaluate at once than the gate allows; the next one starts when a slot frees', async () => {
    const gate = c.app.queryGate;
    const max = gate.max;
    gate.max = 1;
    try {
      const held = holdNextPause(c.app.querySlicing);
      const first = fetch(rangeUrl(QUERY), { headers: c.adminHeaders });
      await held.reached;
      // The second query's arrival at the gate, and whether its evaluation started: without the
      // gate it starts at once (evaluate() runs up to its first pause inside run()). Waiting for
      // /healthz instead could not fail: the second query had often not arrived yet.
      const run = gate.run;
      let secondStarted = false;
      let arrived!: () => void;
      const atGate = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      gate.run = function <T>(
        this: QueryGate,
        evaluate: (timeoutMs: number) => Promise<T>,
        timeoutMs?: number,
      ) {
        const result = run.call(
          this,
          (left) => {
            secondStarted = true;
            return evaluate(left);
          },
          timeoutMs,
        );
        arrived();
        return result;
      };
      const second = fetch(rangeUrl('count(req_total)'), { headers: c.adminHeaders });
      try {
        await atGate;
      } finally {
        gate.run = run;
      }
      const startedWhileHeld = secondStarted;
      assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
      held.release();
      assert.equal(startedWhileHeld, false, 'a second query evaluated while the only slot was taken');
      assert.equal((await first).status, 200);
      const r = await second;
      assert.equal(r.status, 200);
      assert.equal(secondStarted, true);
      assert.equal((await r.json()).data.result[0].values[0][1], String(SERIES));
    } finally {
      gate.max = max;
    }
  });

  it('counts the wait for a slot in the timeout: a query granted one after its timeout ends with 503', async () => {
    const gate = c.app.queryGate;
    const max = gate.max;
    gate.max = 1;
    try {
      const held = holdNextPause(c.app.querySlicing);
      const first = fetch(rangeUrl(QUERY), { headers: c.adminHeaders });
      await held.reached;
      const run = gate.run;
      let arrived!: () => void;
      const atGate = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      gate.run = function <T>(
        this: QueryGate,
        evaluate: (timeoutMs: number) => Promise<T>,
        timeoutMs?: number,
      ) {
        const result = run.call(this, evaluate, timeoutMs);
        arrived();
        return result;
      };
      const second = fetch(rangeUrl('count(req_total)', '&timeout=10s'), { headers: c.adminHeaders });
      try {
        await atGate;
      } finally {
        gate.run = run;
      }
      clockMs += 11_000; // on the slices' clock: the second query waited past its 10 s
      held.release();
      assert.equal((await first).status, 200);
      const r = await second;
      assert.equal(r.status, 503);
      assert.deepEqual(await r.json(), {
        status: 'error',
        errorType: 'timeout',
        error: 'query timed out in query queue',
      });
    } finally {
      gate.max = max;
    }
  });

  it('ends a query still waiting for a slot at its timeout', async () => {
    const gate = c.app.queryGate;
    const max = gate.max;
    gate.max = 1;
    try {
      const held = holdNextPause(c.app.querySlicing);
      const first = fetch(rangeUrl(QUERY), { headers: c.adminHeaders });
      await held.reached;
      // The slot stays taken: the waiting query's own timer ends it.
      const r = await fetch(rangeUrl('count(req_total)', '&timeout=20ms'), { headers: c.adminHeaders });
      assert.equal(r.status, 503);
      assert.equal((await r.json()).error, 'query timed out in query queue');
      held.release();
      assert.equal((await first).status, 200);
      const again = await fetch(rangeUrl('count(req_total)'), { headers: c.adminHeaders });
      assert.equal(again.status, 200, 'the timed-out wait left the gate usable');
    } finally {
      gate.max = max;
    }
  });
});
