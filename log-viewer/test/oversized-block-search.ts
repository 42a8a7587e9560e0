// Run by store-oversized-block.test.ts in a child process with a small heap: opens the store in
// argv[2] and searches it, printing what it found as one JSON line. Not a test file itself.
import { join } from 'node:path';
import { openDatabase } from '@flowrent/shared/db';
import { SqliteLogStore } from '../src/store/sqlite-log-store.js';

const dir = process.argv[2];
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
const newest: string[] = [];
store.scan({ ...all, order: 'desc', limit: 1 }, (r) => newest.push(r.message.slice(0, 12)) > 0);
const needle: number[] = [];
store.scan(
  { ...all, order: 'asc', requiredTokens: ['needle'] },
  (r) => needle.push(Number(r.attributes.n)) > 0,
);
// a word of every row: the scan cache would keep up to 256 of its rows (64 MB here)
let common = 0;
store.scan({ ...all, order: 'desc', requiredTokens: ['common'] }, () => ++common > 0);
let visited = 0;
let textBytes = 0;
store.scan({ ...all, order: 'asc' }, (r) => {
  visited++;
  textBytes += r.message.length;
  return true;
});
// a delete's dry run (the count the UI asks before a delete) over the block
const run = store.startDelete({
  ...all,
  requiredTokens: ['needle'],
  predicate: (r) => r.message.includes(' needle '),
  dryRun: true,
  text: 'needle',
});
while (!run.step());
const dryRun = run.matched;
await store.close({ seal: false });
process.stdout.write(
  `${JSON.stringify({ newest, needle, common, dryRun, visited, textBytes, blocks: store.stats().blocks })}\n`,
);
