// The digester's pending count (the errors_inbox_pending gauge, and the back-pressure check) while a
// batch runs on the store worker: events accepted during the batch are still waiting when it comes
// back short. It reset the count to 0 on every short batch and scheduled nothing, so the gauge said
// the inbox was empty (the bench then read item counts 63 events short of the events table) and
// those events waited for the next interval tick.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Digester, type RemoteDigest } from '../src/service/digester.js';
import type { DigestCounts } from '../src/service/store-worker.js';
import type { ErrorStore } from '../src/store/store.js';

function remoteBatches() {
  const calls: ((c: DigestCounts) => void)[] = [];
  let called: () => void = () => {};
  const remote: RemoteDigest = {
    digest: () =>
      new Promise<DigestCounts>((resolve) => {
        calls.push(resolve);
        called();
      }),
  };
  /** Resolves once the digester has asked for batch number `n` (1-based). */
  const asked = (n: number) =>
    new Promise<void>((resolve) => {
      if (calls.length >= n) return resolve();
      called = () => {
        if (calls.length >= n) resolve();
      };
    });
  return { remote, calls, asked };
}

test('events accepted while a short batch runs on the store worker stay pending and get a batch', async () => {
  const store = { pendingCount: () => 0, trimInbox: () => {} } as unknown as ErrorStore;
  const digester = new Digester(store, { batchSize: 10, clock: () => 0 });
  const { remote, calls, asked } = remoteBatches();
  digester.runOn(remote);
  digester.start(3_600_000);
  digester.added(3);
  digester.kick();
  await asked(1);
  // two more events are accepted (committed after the worker read its batch) while it runs
  digester.added(2);
  calls[0]({ entries: 3, events: 3, grouped: 3, digestedThrough: 3 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(digester.pending(), 2, 'the two events accepted during the batch still wait');
  await asked(2); // a batch for them (after the partial-batch delay), not the next interval tick
  calls[1]({ entries: 2, events: 2, grouped: 2, digestedThrough: 5 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(digester.pending(), 0, 'all grouped');
  digester.stop();
});
