// The upgrade to grouping version 3 on a real errors.db: issues made under version 2 keys (inbox
// entries as version 2 prepared them, grouped by the real digest) keep receiving their errors'
// events, each older key that finds an issue gets the event's version 3 key attached, and the
// issue keeps the grouping version that made it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { Digester } from '../src/service/digester.js';
import { inlinePreparer } from '../src/service/preparer.js';
import type { EventFacts, InboxEntry } from '../src/store/store.js';
import { openStore } from './helpers/store-files.js';

let seq = 0;
async function entry(event: Record<string, unknown>): Promise<InboxEntry> {
  const id = (0xb000 + ++seq).toString(16).padStart(32, '0');
  const json = JSON.stringify({ event_id: id, release: 'shop@1', ...event });
  const body = Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n${json}\n`);
  const prepared = await inlinePreparer().prepare({
    endpoint: 'envelope',
    projectId: 1,
    body,
    nowMs: 1_000_000,
  });
  return prepared.entries[0];
}

const factsOf = (e: InboxEntry) => JSON.parse(e.factsJson) as EventFacts;

/** The entry as version 2 prepared it: its version 2 key, and its version 1 key where that differs. */
function asVersion2(e: InboxEntry, v1Key?: string): InboxEntry {
  const facts = factsOf(e);
  const v2Key = facts.legacyGroupingHashes?.[0];
  assert.ok(v2Key, 'version 3 gives this event another key than version 2');
  const { legacyGroupingHashes: _, ...rest } = facts;
  const old = { ...rest, groupingHash: v2Key, groupingVersion: 2, legacyGroupingHash: v1Key };
  return { ...e, factsJson: JSON.stringify(old) };
}

/** A timer callback's error in @sentry/node's shape: `Timeout._onTimeout` and an anonymous arrow. */
function anonymousCallbackError(code: string, lineno: number) {
  return {
    platform: 'node',
    exception: {
      values: [
        {
          type: 'SyntaxError',
          value: `Unexpected token in JSON at position ${lineno}`,
          stacktrace: {
            frames: [
              { filename: 'node:internal/timers', function: 'listOnTimeout', lineno: 581, in_app: false },
              {
                filename: '/srv/app/jobs.js',
                function: 'Timeout._onTimeout',
                lineno,
                context_line: `setTimeout(() => { try { (() => { ${code} })(); } catch (e) { report(e); } }, 2);`,
                in_app: true,
              },
              {
                filename: '/srv/app/jobs.js',
                function: '?',
                lineno,
                context_line: `  ${code}`,
                in_app: true,
              },
            ],
          },
        },
      ],
    },
  };
}

test('an issue made under version 2 keys keeps its events after version 3, and gets their version 3 keys', async () => {
  const { db, store } = openStore(makeTempDir('et-grouping-upgrade-'));
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  const digest = (entries: InboxEntry[]) => {
    store.acceptMany([{ projectId: 1, events: entries, itemCounts: {}, sessions: [] }]);
    new Digester(store, { batchSize: 50, clock: () => 2_000_000 }).drain();
  };
  const groupings = (issueId: number) =>
    db
      .prepare('SELECT hash, version FROM groupings WHERE issue_id = ? ORDER BY version, hash')
      .all(issueId) as { hash: string; version: number }[];

  // before the upgrade: the first callback's error, as version 2 keyed it
  const before = await entry(anonymousCallbackError("JSON.parse('{bad');", 8));
  digest([asVersion2(before)]);
  const issue = store.getIssue(1);
  assert.equal(issue?.groupingVersion, 2);
  assert.deepEqual(groupings(1), [{ hash: factsOf(before).legacyGroupingHashes?.[0], version: 2 }]);

  // after: the same error again finds the issue by its version 2 key; its version 3 key is attached
  const again = await entry(anonymousCallbackError("JSON.parse('{bad');", 8));
  assert.equal(factsOf(again).groupingVersion, 3);
  digest([again]);
  assert.equal(store.getIssue(1)?.eventCount, 2);
  assert.deepEqual(
    groupings(1).map((g) => g.version),
    [2, 3],
  );
  assert.ok(groupings(1).some((g) => g.hash === factsOf(again).groupingHash && g.version === 3));

  // the next one is found by the version 3 key: nothing more is attached
  digest([await entry(anonymousCallbackError("JSON.parse('{bad');", 8))]);
  assert.equal(store.getIssue(1)?.eventCount, 3);
  assert.equal(groupings(1).length, 2);

  // the other callback (other code) was merged into it under version 2: it stays merged, as on a
  // Sentry config upgrade, with its own version 3 key attached
  const other = await entry(anonymousCallbackError("JSON.parse('also bad');", 9));
  assert.notEqual(factsOf(other).groupingHash, factsOf(again).groupingHash);
  digest([other]);
  assert.equal(store.getIssue(1)?.eventCount, 4);
  assert.equal(groupings(1).length, 3);

  // an error version 2 never saw makes a version 3 issue, with its version 3 key only
  const typeError = anonymousCallbackError('order.total.toFixed(2);', 30);
  typeError.exception.values[0].type = 'TypeError';
  digest([await entry(typeError)]);
  assert.equal(store.getIssue(2)?.groupingVersion, 3);
  assert.deepEqual(
    groupings(2).map((g) => g.version),
    [3],
  );
  assert.equal(store.getIssue(1)?.groupingVersion, 2, 'the old issue keeps the version that made it');
});

test('an entry version 2 left in the inbox (one legacy key) still finds the issue of its version 1 key', async () => {
  const { db, store } = openStore(makeTempDir('et-grouping-upgrade-'));
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  const digest = (entries: InboxEntry[]) => {
    store.acceptMany([{ projectId: 1, events: entries, itemCounts: {}, sessions: [] }]);
    new Digester(store, { batchSize: 50, clock: () => 2_000_000 }).drain();
  };
  // version 1 keyed a logging event by its formatted text: a plain message has that key
  digest([await entry({ message: 'user bob not found' })]);
  const logged = await entry({
    logentry: { message: 'user %s not found', params: ['bob'], formatted: 'user bob not found' },
  });
  const v1Key = factsOf(logged).legacyGroupingHashes?.[0];
  assert.ok(v1Key);
  // version 2's entry: the template key (= version 3's for a message) and the version 1 key
  const facts = factsOf(logged);
  const { legacyGroupingHashes: _, ...rest } = facts;
  digest([
    { ...logged, factsJson: JSON.stringify({ ...rest, groupingVersion: 2, legacyGroupingHash: v1Key }) },
  ]);
  assert.equal(store.getIssue(1)?.eventCount, 2);
  const attached = db
    .prepare('SELECT issue_id FROM groupings WHERE hash = ?')
    .pluck()
    .get(facts.groupingHash);
  assert.equal(attached, 1, 'the template key now points to the version 1 issue');
});

test('after the transition period older keys find no issue: 90 days from the first event grouped with version 3', async () => {
  const { db, store } = openStore(makeTempDir('et-grouping-upgrade-'));
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  const DAY = 86_400_000;
  const t0 = 1_800_000_000_000;
  const digest = (entries: InboxEntry[], nowMs: number) => {
    store.acceptMany([{ projectId: 1, events: entries, itemCounts: {}, sessions: [] }]);
    new Digester(store, { batchSize: 50, clock: () => nowMs }).drain();
  };
  // version 2 merged every anonymous callback of jobs.js into one issue
  digest([asVersion2(await entry(anonymousCallbackError("JSON.parse('{bad');", 8)))], t0);
  // day 1: the first version 3 event (its key is attached: it keeps finding the issue)
  digest([await entry(anonymousCallbackError("JSON.parse('{bad');", 8))], t0 + DAY);
  assert.equal(
    db.prepare("SELECT value FROM _meta WHERE key = 'grouping_v3_since_ms'").pluck().get(),
    String(t0 + DAY),
  );
  // day 90: still in the transition, another callback joins the old issue by its version 2 key
  digest([await entry(anonymousCallbackError("JSON.parse('also bad');", 9))], t0 + 90 * DAY);
  assert.equal(store.getIssue(1)?.eventCount, 3);
  // day 92: a third callback's error is its own issue; the first callback's still finds the old one
  digest([await entry(anonymousCallbackError("JSON.parse('third');", 12))], t0 + 92 * DAY);
  digest([await entry(anonymousCallbackError("JSON.parse('{bad');", 8))], t0 + 92 * DAY);
  assert.equal(store.getIssue(1)?.eventCount, 4);
  assert.equal(store.getIssue(2)?.eventCount, 1);
  assert.equal(store.getIssue(2)?.groupingVersion, 3);
});
