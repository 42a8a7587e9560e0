import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { parseDashboard } from '../dashboards/dashboard-model.js';
import { DashboardsStore } from './dashboards-store.js';

const dir = makeTempDir('ui-dashboards-');
const db = openDatabase(join(dir, 'metrics.db'));
migrate(db, new URL('../../migrations/', import.meta.url).pathname);
const store = new DashboardsStore(db);
after(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

test('dashboards are created, listed by title, updated and deleted', () => {
  const a = store.create(parseDashboard({ title: 'Checkout', panels: [{ expr: 'up' }] }), 1000);
  const b = store.create(parseDashboard({ title: 'api', panels: [] }), 2000);
  assert.deepEqual(
    store.list().map((d) => [d.id, d.title, d.panelCount]),
    [
      [b, 'api', 0],
      [a, 'Checkout', 1],
    ],
  );
  assert.equal(store.update(a, parseDashboard({ title: 'Checkout v2', panels: [] }), 3000), true);
  const got = store.get(a)!;
  assert.equal(got.dashboard.title, 'Checkout v2');
  assert.equal(got.createdMs, 1000);
  assert.equal(got.updatedMs, 3000);
  assert.equal(store.delete(b), true);
  assert.equal(store.get(b), undefined);
  assert.equal(store.update(b, got.dashboard, 4000), false);
});

test('a dashboard stored before queries and ranges were checked still opens, as it was stored', () => {
  // Saved by an earlier version: 'sum(' and a range past 100y were accepted, and 'up[90]' parsed
  // until unit-less durations became errors; the rules of today apply when it is saved again.
  const definition = {
    title: 'Old',
    description: '',
    range: '999999999999d',
    refresh: '',
    panels: [
      { title: '', expr: 'sum(', kind: 'graph', stacked: false, width: 6 },
      { title: '', expr: 'rate(up[90])', kind: 'graph', stacked: false, width: 6 },
    ],
  };
  const id = Number(
    db
      .prepare('INSERT INTO ui_dashboards (title, definition, created_ms, updated_ms) VALUES (?, ?, 1, 1)')
      .run('Old', JSON.stringify(definition)).lastInsertRowid,
  );
  assert.deepEqual(store.get(id)?.dashboard, definition);
  assert.throws(() => parseDashboard(definition), /range: must be at most 100y/);
});
