// A background digest batch on the main thread (where grouping runs once the store worker has died)
// that fails is reported to onError and retried on the next run; it threw out of setImmediate as an
// uncaught exception, which ends the process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Digester } from '../src/service/digester.js';
import type { ErrorStore } from '../src/store/store.js';

test('a failing background batch on the main thread goes to onError and the next run succeeds', async () => {
  let calls = 0;
  const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  const store = {
    pendingCount: () => 1,
    digest: () => {
      calls++;
      if (calls === 1) throw busy;
      return { entries: 1, outcomes: [], digestedThrough: 1 };
    },
    trimInbox: () => {},
  } as unknown as ErrorStore;
  const errors: unknown[] = [];
  let reported: () => void = () => {};
  const failed = new Promise<void>((resolve) => {
    reported = resolve;
  });
  const digester = new Digester(store, {
    batchSize: 10,
    clock: () => 0,
    onError: (err) => {
      errors.push(err);
      reported();
    },
  });
  digester.start(3_600_000);
  digester.kick();
  await failed;
  assert.deepEqual(errors, [busy]);
  digester.kick();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 2);
  assert.equal(digester.pending(), 0, 'the retried batch was counted');
  digester.stop();
});
