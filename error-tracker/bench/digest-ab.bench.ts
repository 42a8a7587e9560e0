// The digest alone, two arms alternating in one process (no lock needed, ~1-3 min): each arm has
// its own temp database and is fed the same rounds of bench events (bench/events.ts, 10 % new
// issues); the database grows round by round as in a long run. Prints each round's digest CPU µs
// per event and errors.db WAL bytes per event, then the medians (and the CPU of checkpointing that
// WAL into the file, what is left of it at the round's end). An arm is a source tree (a git
// worktree of another commit: `DIGEST_AB_TREES=/tmp/wt-old,/work/main`), a page cache size
// (`DIGEST_AB_CACHE_KB=2000,8000`) and the connection's wal_autocheckpoint in pages during the
// digest (`DIGEST_AB_AUTOCHECKPOINT=1000,0`, default 0: one checkpoint a round); DIGEST_AB_WAL_MAP=1 also prints which tables and indexes the
// last round's WAL frames belong to (dbstat).
// Usage: node --conditions=development --import tsx bench/digest-ab.bench.ts
//   DIGEST_AB_EVENTS (per round, 3000), DIGEST_AB_ROUNDS (10), DIGEST_AB_BATCH (200), DIGEST_AB_GROUPS (300),
//   DIGEST_AB_CHECKPOINT_EVERY (a passive checkpoint every n batches, counted in the digest's CPU; 0)
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envelopeBody, prepareBodies } from './events.js';

const N = Number(process.env.DIGEST_AB_EVENTS ?? 3000);
const ROUNDS = Number(process.env.DIGEST_AB_ROUNDS ?? 10);
const BATCH = Number(process.env.DIGEST_AB_BATCH ?? 200);
const GROUPS = Number(process.env.DIGEST_AB_GROUPS ?? 300);
const here = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const trees = (process.env.DIGEST_AB_TREES ?? `${here},${here}`).split(',');
const caches = (process.env.DIGEST_AB_CACHE_KB ?? '2000,2000').split(',').map(Number);
const autoCheckpoints = (process.env.DIGEST_AB_AUTOCHECKPOINT ?? '0,0').split(',').map(Number);

async function openArm(tree: string, cacheKb: number, autoCheckpoint: number) {
  const et = `${tree}/error-tracker`;
  const { migrate, openDatabase } = await import(`${tree}/shared/src/db.ts`);
  const { createSqliteStore } = await import(`${et}/src/store/sqlite-store.ts`);
  const { inboxFileFor, openInbox } = await import(`${et}/src/store/inbox.ts`);
  const dir = mkdtempSync(join(tmpdir(), 'et-digest-ab-'));
  const db = openDatabase(join(dir, 'errors.db'));
  migrate(db, `${et}/migrations/`);
  const inboxDb = openInbox(inboxFileFor(db.name));
  const store = createSqliteStore(db, inboxDb);
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'benchkey', nowMs: Date.now() });
  db.pragma(`cache_size = -${cacheKb}`);
  return {
    name: `${tree} ${cacheKb} KB, wal_autocheckpoint ${autoCheckpoint}`,
    autoCheckpoint,
    dir,
    db,
    inboxDb,
    store,
    cpu: [] as number[],
    wal: [] as number[],
    ckpt: [] as number[],
  };
}
type Arm = Awaited<ReturnType<typeof openArm>>;

const { preparePayload } = await import(`${trees[1]}/error-tracker/src/service/prepare-payload.ts`);
const bodies = prepareBodies(GROUPS, 8);
let seq = 0;
const newId = () => (++seq).toString(16).padStart(32, '0');
let round = 0;
function prepareRound() {
  round++;
  return Array.from({ length: N }, (_, i) =>
    preparePayload(
      {
        endpoint: 'envelope',
        projectId: 1,
        body: envelopeBody(
          bodies[i % GROUPS][(i >> 3) % 8],
          Math.random() < 0.1 ? `new${round}-${i}` : undefined,
        ),
        contentEncoding: 'gzip',
        nowMs: Date.now(),
      },
      newId,
    ),
  );
}
type Prepared = ReturnType<typeof prepareRound>[number];

// group commits of 8, as the accept path makes them
function append(arm: Arm, list: Prepared[]) {
  for (let i = 0; i < list.length; i += 8)
    arm.store.acceptMany(
      list
        .slice(i, i + 8)
        .map((p: Prepared) => ({ projectId: 1, events: p.entries, itemCounts: p.itemCounts, sessions: [] })),
    );
}
// the store worker's timer checkpoints errors.db every 500 ms: at 2,000 events/s, every 5 batches
const CHECKPOINT_EVERY = Number(process.env.DIGEST_AB_CHECKPOINT_EVERY ?? 0);
function digestAll(arm: Arm) {
  for (let n = 1; ; n++) {
    const { entries, digestedThrough } = arm.store.digest(BATCH, Date.now());
    if (entries === 0) return;
    arm.store.trimInbox(digestedThrough);
    if (CHECKPOINT_EVERY > 0 && n % CHECKPOINT_EVERY === 0) arm.db.pragma('wal_checkpoint(PASSIVE)');
  }
}
function walMap(arm: Arm) {
  const wal = readFileSync(`${arm.db.name}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const owner = new Map<number, string>();
  for (const r of arm.db.prepare('SELECT name, pageno FROM dbstat').all() as {
    name: string;
    pageno: number;
  }[])
    owner.set(r.pageno, r.name);
  const frames = new Map<string, number>();
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    const name = owner.get(wal.readUInt32BE(off)) ?? '(free or new)';
    frames.set(name, (frames.get(name) ?? 0) + 1);
  }
  console.log(`WAL of the last round, ${arm.name}:`);
  for (const [name, n] of [...frames].sort((a, b) => b[1] - a[1]))
    console.log(`  ${((n * pageSize) / N).toFixed(0).padStart(6)} B/event  ${name}`);
}

const arms = [
  await openArm(trees[0], caches[0], autoCheckpoints[0]),
  await openArm(trees[1], caches[1], autoCheckpoints[1]),
];
const warm = prepareRound();
for (const arm of arms) {
  append(arm, warm);
  digestAll(arm);
}
for (let r = 0; r < ROUNDS; r++) {
  const events = prepareRound();
  for (const arm of r % 2 ? [arms[1], arms[0]] : arms) {
    append(arm, events);
    arm.db.pragma('wal_checkpoint(TRUNCATE)');
    arm.db.pragma(`wal_autocheckpoint = ${arm.autoCheckpoint}`);
    const c0 = process.cpuUsage();
    digestAll(arm);
    const c = process.cpuUsage(c0);
    arm.cpu.push((c.user + c.system) / N);
    arm.wal.push(statSync(`${arm.db.name}-wal`).size / N);
    if (process.env.DIGEST_AB_WAL_MAP && r === ROUNDS - 1) walMap(arm);
    const k0 = process.cpuUsage();
    arm.db.pragma('wal_checkpoint(TRUNCATE)');
    const k = process.cpuUsage(k0);
    arm.ckpt.push((k.user + k.system) / N);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const arm of arms) {
  console.log(`${arm.name}`);
  console.log(`  digest CPU µs/event by round: ${arm.cpu.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(
    `  median ${median(arm.cpu).toFixed(1)} µs/event, WAL ${median(arm.wal).toFixed(0)} B/event, its checkpoint ${median(arm.ckpt).toFixed(1)} µs/event`,
  );
  arm.inboxDb.close();
  arm.db.close();
  rmSync(arm.dir, { recursive: true, force: true });
}
