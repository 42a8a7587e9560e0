// Run by store-oversized-block.test.ts in a child process with a small heap: opens the store in
// argv[2], rewrites its old oversized block by a real delete (argv[3] 'delete') or a retention trim
// ('retention'), then prints what is left as one JSON line. Not a test file itself.
import { join } from 'node:path';
import { openDatabase } from '@flowrent/shared/db';
import { SqliteLogStore } from '../src/store/sqlite-log-store.js';

const [dir, mode] = process.argv.slice(2);
const db = openDatabase(join(dir, 'logs.db'));
const store = new SqliteLogStore({
  db,
  inboxDir: join(dir, 'inbox'),
  clock: () => 1_795_635_900_000,
  maintenanceIntervalMs: 0,
  sealWorker: false,
  warmUpWorkers: false,
});
const all = { fromNs: 0n, toNs: 1n << 62n };
let taken: number;
if (mode === 'delete') {
  const run = store.startDelete({
    ...all,
    requiredTokens: ['needle'],
    predicate: (r) => r.message.includes(' needle '),
    text: 'needle',
  });
  while (!run.step());
  taken = run.matched;
} else {
  // checkout's rows (even n) of the block's first 128 ms are past its age; payments' are kept forever
  const nowNs = BigInt(process.argv[4]);
  taken = store.applyRetention({ perService: { checkout: { maxAgeNs: 3_600_000_000_000n } } }, nowNs);
}
const left: number[] = [];
let textBytes = 0;
store.scan({ ...all, order: 'asc' }, (r) => {
  left.push(Number(r.attributes.n));
  textBytes += r.message.length;
  return true;
});
await store.close({ seal: false });
process.stdout.write(`${JSON.stringify({ taken, left, textBytes, blocks: store.stats().blocks })}\n`);
