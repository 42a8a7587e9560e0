// In-process micro-benchmark of the accept → prepare → group → store path, stage by stage, on a
// temp-file SQLite database (no HTTP, no lock needed: runs a few seconds). Prints CPU µs per event
// for each stage so a change can be measured without the noise of the shared machine.
// Usage: node --conditions=development --import tsx bench/hot-path.bench.ts   (HOT_EVENTS=N)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { migrate, openDatabase } from '@flowrent/shared/db';
import { decodeBody } from '../src/ingest/decode.js';
import { limitEventDepth } from '../src/ingest/depth-limit.js';
import { readEnvelopeBody } from '../src/ingest/request.js';
import { scrubEvent } from '../src/ingest/scrub.js';
import { normalizeEvent } from '../src/ingest/normalize.js';
import { prepareEvent } from '../src/service/prepare.js';
import { preparePayload } from '../src/service/prepare-payload.js';
import { compressPayload, payloadAsSent } from '../src/store/codec.js';
import { inboxFileFor, openInbox } from '../src/store/inbox.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import { StoreWorker } from '../src/service/store-worker.js';
import { envelopeBody, prepareBodies } from './events.js';

const N = Number(process.env.HOT_EVENTS ?? 4000);
const BATCH = Number(process.env.HOT_DIGEST_BATCH ?? 50);
// HOT_GROUPS: distinct fingerprints (fewer = a few hot issues, as real traffic often is)
const GROUPS = Number(process.env.HOT_GROUPS ?? 300);
const bodies = prepareBodies(GROUPS, 8);
const requests = Array.from({ length: N }, (_, i) =>
  envelopeBody(bodies[i % GROUPS][(i >> 3) % 8], Math.random() < 0.1 ? `new-${i}` : undefined),
);

function time(label: string, fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / N;
  console.log(`${label.padEnd(44)} ${us.toFixed(1).padStart(7)} µs/event`);
  return us;
}

let seq = 0;
const newId = () => (++seq).toString(16).padStart(32, '0');
const decoded = requests.map((r) => gunzipSync(r));
time('gunzip', () => {
  for (const r of requests) decodeBody(r, 'gzip', 20 << 20);
});
const payloads = decoded.map((d) => readEnvelopeBody(d));
time('frame envelope + JSON.parse', () => {
  for (const d of decoded) readEnvelopeBody(d);
});
time('depth-limit walk', () => {
  for (const p of payloads) limitEventDepth(p.events[0].raw);
});
time('scrubbing walk', () => {
  for (const p of payloads) scrubEvent(p.events[0].raw);
});
const events = payloads.map((p) =>
  normalizeEvent(p.events[0].raw, { receivedAtMs: Date.now(), newEventId: newId, factsOnly: true }),
);
time('normalize (facts only)', () => {
  for (const p of payloads)
    normalizeEvent(p.events[0].raw, { receivedAtMs: Date.now(), newEventId: newId, factsOnly: true });
});
time('compress payload (codec)', () => {
  for (const p of payloads) compressPayload(p.events[0].bytes);
});
time('payload as sent (no compression)', () => {
  for (let i = 0; i < N; i++) {
    const bytes = payloads[i].events[0].bytes;
    payloadAsSent(requests[i], 'gzip', {
      offset: bytes.byteOffset - decoded[i].byteOffset,
      length: bytes.length,
      decodedLength: decoded[i].length,
    });
  }
});
time('prepareEvent (group + describe + zstd)', () => {
  for (let i = 0; i < N; i++) prepareEvent(events[i], 1, Date.now(), { json: payloads[i].events[0].bytes });
});
const prepared = requests.map((r) =>
  preparePayload(
    { endpoint: 'envelope', projectId: 1, body: r, contentEncoding: 'gzip', nowMs: Date.now() },
    newId,
  ),
);
time('preparePayload (all of the above)', () => {
  for (const r of requests)
    preparePayload(
      { endpoint: 'envelope', projectId: 1, body: r, contentEncoding: 'gzip', nowMs: Date.now() },
      newId,
    );
});
time('structuredClone of prepared', () => {
  for (const p of prepared) structuredClone(p);
});

const dir = mkdtempSync(join(tmpdir(), 'et-hot-'));
const db = openDatabase(join(dir, 'errors.db'));
migrate(db, new URL('../migrations/', import.meta.url).pathname);
const inboxDb = openInbox(inboxFileFor(db.name));
const store = createSqliteStore(db, inboxDb);
if (process.env.HOT_CACHE_KB) db.pragma(`cache_size = -${process.env.HOT_CACHE_KB}`);
const checkpointer = new StoreWorker(db, inboxDb);
if (process.env.HOT_CHECKPOINTER) checkpointer.start(500);
store.createProject({ name: 'Default', slug: 'default', publicKey: 'benchkey', nowMs: Date.now() });
// one digest batch and the main thread's trim of the inbox after it, as in the service
const digestBatch = () => {
  const { entries, digestedThrough } = store.digest(BATCH, Date.now());
  if (entries > 0) store.trimInbox(digestedThrough);
  return entries;
};
// a warm database: one round first, so the measured round finds existing issues
const append = (list: typeof prepared, per: number) => {
  for (let i = 0; i < list.length; i += per)
    store.acceptMany(
      list
        .slice(i, i + per)
        .map((p) => ({ projectId: 1, events: p.entries, itemCounts: p.itemCounts, sessions: [] })),
    );
};
append(prepared, 8);
while (digestBatch() > 0);
const fresh = Array.from({ length: N }, (_, i) =>
  envelopeBody(bodies[i % GROUPS][(i >> 3) % 8], Math.random() < 0.1 ? `new2-${i}` : undefined),
);
const again = fresh.map((r) =>
  preparePayload(
    { endpoint: 'envelope', projectId: 1, body: r, contentEncoding: 'gzip', nowMs: Date.now() },
    newId,
  ),
);
if (process.env.HOT_WAL) {
  for (const d of [db, inboxDb]) {
    d.pragma('wal_checkpoint(TRUNCATE)');
    d.pragma('wal_autocheckpoint = 0');
  }
  append(again, 8);
  // appends write the inbox file's WAL, the digest errors.db's
  const walAfterAppend = statSync(`${inboxDb.name}-wal`).size;
  while (digestBatch() > 0);
  const walAfterDigest = statSync(join(dir, 'errors.db-wal')).size;
  console.log(
    `WAL bytes per event: append ${(walAfterAppend / N).toFixed(0)}, digest ${(walAfterDigest / N).toFixed(0)}`,
  );
} else if (process.env.HOT_INTERLEAVED) {
  // as in the server: appends of 8 and digest batches alternate
  time(`append 8 + digest ${BATCH}, interleaved`, () => {
    for (let i = 0; i < again.length; i += 8) {
      append(again.slice(i, i + 8), 8);
      if (i % BATCH === 0) digestBatch();
    }
    while (digestBatch() > 0);
  });
} else {
  time('inbox append (group commits of 8)', () => append(again, 8));
  time(`digest (batches of ${BATCH})`, () => {
    while (digestBatch() > 0);
  });
}
time('getProject + findActiveKey (per request)', () => {
  for (let i = 0; i < N; i++) {
    store.getProject(1);
    store.findActiveKey(1, 'benchkey');
  }
});
await checkpointer.stop();
inboxDb.close();
db.close();
rmSync(dir, { recursive: true, force: true });
