// Loki's exact-duplicate rule over real HTTP (black-box 28, ninth session; head windows, tenth): an
// entry with the same stream, timestamp and line as the stream's last entry, or as one of its newest
// 256 KB of lines, is dropped, within a push and across pushes (a shipper's retry whose answer was
// lost), with the parse in this thread or in a worker.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

for (const sealWorker of [false, true]) {
  describe(`Loki duplicates (${sealWorker ? 'ingest workers' : 'main thread'})`, () => {
    let server: IngestServer;
    before(async () => {
      server = await startIngestServer({ sealWorker });
    });
    after(() => server.close());

    async function push(stream: Record<string, string>, values: [string, string][]): Promise<void> {
      const res = await fetch(`${server.url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ streams: [{ stream, values }] }),
      });
      assert.equal(res.status, 204, await res.text());
    }
    const stored = (app: string) =>
      server
        .all()
        .filter((r) => r.labels.app === app)
        .map((r) => r.message);
    const ns = (i: number) => String(BigInt(Date.now()) * 1_000_000n + BigInt(i));

    test('the same one-entry push twice is stored once', async () => {
      const t = ns(0);
      await push({ app: 'dedupe' }, [[t, 'same line same ts']]);
      await push({ app: 'dedupe' }, [[t, 'same line same ts']]);
      // another stream in between does not reset it; the labels in another order are the same stream
      await push({ app: 'other' }, [[t, 'same line same ts']]);
      await push({ env: 'x', app: 'dedupe2' }, [[t, 'a']]);
      await push({ app: 'dedupe2', env: 'x' }, [[t, 'a']]);
      assert.deepEqual(stored('dedupe'), ['same line same ts']);
      assert.deepEqual(stored('other'), ['same line same ts']);
      assert.deepEqual(stored('dedupe2'), ['a']);
    });

    test('consecutive repeats in a push go; the same time with another line, or a repeat later, stays', async () => {
      const t = ns(10);
      await push({ app: 'inpush' }, [
        [t, 'one'],
        [t, 'one'],
        [t, 'two'],
        [t, 'one'],
      ]);
      // the stream's last entry again, alone or heading a push: dropped
      await push({ app: 'inpush' }, [[t, 'one']]);
      await push({ app: 'inpush' }, [
        [t, 'one'],
        [t, 'three'],
      ]);
      // entries the stream's head window holds, wherever they are in the push: dropped, as Loki's head
      // block drops them; a new one among them is stored
      await push({ app: 'inpush' }, [
        [t, 'two'],
        [t, 'four'],
        [t, 'three'],
      ]);
      assert.deepEqual(stored('inpush'), ['one', 'two', 'one', 'three', 'four']);
    });

    test('a retried batch of several entries is stored once, also after other pushes of its stream', async () => {
      const batch: [string, string][] = Array.from({ length: 50 }, (_, i) => [ns(100 + i), `line ${i}`]);
      await push({ app: 'retry' }, batch);
      await push({ app: 'retry' }, [[ns(200), 'newer']]);
      await push({ app: 'retry' }, batch);
      await push({ app: 'retry' }, [...batch.slice(10, 20), [ns(150), 'line 50']]);
      assert.deepEqual(stored('retry'), [...batch.map(([, l]) => l), 'newer', 'line 50']);
    });

    test("an entry older than its stream's newest 256 KB of lines is stored again", async () => {
      const old: [string, string][] = [[ns(300), 'old entry']];
      await push({ app: 'window' }, old);
      // 300 KB of newer lines in three pushes push it out of the window
      for (let p = 0; p < 3; p++)
        await push(
          { app: 'window' },
          Array.from({ length: 10 }, (_, i) => [ns(400 + p * 10 + i), `${p}.${i} ${'x'.repeat(10_000)}`]),
        );
      await push({ app: 'window' }, old);
      const messages = stored('window');
      assert.equal(messages.length, 32);
      assert.equal(messages.filter((m) => m === 'old entry').length, 2);
    });

    test('a push the inbox could not write is stored by its retry, not taken for a duplicate', async () => {
      // the inbox's short write on a full disk throws: the push is refused, the shipper retries it
      const inbox = (server.store as unknown as { inbox: { appendBody: (...a: unknown[]) => unknown } })
        .inbox;
      const appendBody = inbox.appendBody;
      inbox.appendBody = () => {
        inbox.appendBody = appendBody;
        throw new Error('inbox: short write (0 of 120 bytes)');
      };
      const t = ns(20);
      const res = await fetch(`${server.url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ streams: [{ stream: { app: 'refused' }, values: [[t, 'only line']] }] }),
      });
      assert.ok(res.status >= 500, `${res.status}`);
      await push({ app: 'refused' }, [[t, 'only line']]);
      assert.deepEqual(stored('refused'), ['only line']);
    });
  });
}
