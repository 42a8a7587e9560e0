import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '@flowrent/shared/errors';
import { exportDashboard, parseDashboard, parseDashboardJson } from './dashboard-model.js';

test('parseDashboard fills defaults and keeps panels in order', () => {
  const d = parseDashboard({
    title: ' API ',
    panels: [{ expr: 'up' }, { title: 'Rate', expr: 'rate(x[5m])', kind: 'table', width: 12, stacked: true }],
  });
  assert.deepEqual(d, {
    title: 'API',
    description: '',
    range: '1h',
    refresh: '',
    panels: [
      { title: '', expr: 'up', kind: 'graph', stacked: false, width: 6 },
      { title: 'Rate', expr: 'rate(x[5m])', kind: 'table', stacked: true, width: 12 },
    ],
  });
});

test('parseDashboard names the offending field', () => {
  const check = (input: unknown, path: string) =>
    assert.throws(
      () => parseDashboard(input),
      (err: unknown) => err instanceof ValidationError && (err.details as { path: string }).path === path,
      path,
    );
  check(null, 'dashboard');
  check([], 'dashboard');
  check({}, 'title');
  check({ title: '' }, 'title');
  check({ title: 'x', range: 'soon' }, 'range');
  check({ title: 'x', refresh: 'often' }, 'refresh');
  check({ title: 'x', refresh: '1s' }, 'refresh');
  check({ title: 'x', panels: {} }, 'panels');
  check({ title: 'x', panels: [{}] }, 'panels[0].expr');
  check({ title: 'x', panels: [{ expr: 'up', kind: 'pie' }] }, 'panels[0].kind');
  check({ title: 'x', panels: [{ expr: 'up', width: 13 }] }, 'panels[0].width');
  check({ title: 'x', panels: [{ expr: 'up', stacked: 'yes' }] }, 'panels[0].stacked');
  check({ title: 'x', panels: [{ expr: 1 }] }, 'panels[0].expr');
  check({ title: 'x'.repeat(201) }, 'title');
  check({ flowrent_dashboard: 2, title: 'x' }, 'flowrent_dashboard');
  check({ title: 'x', panels: Array.from({ length: 61 }, () => ({ expr: 'up' })) }, 'panels');
});

test('an exported dashboard imports back unchanged', () => {
  const d = parseDashboard({
    title: '<script>',
    refresh: '30s',
    panels: [{ title: 'a', expr: 'sum(up) by (job)' }],
  });
  assert.deepEqual(parseDashboardJson(JSON.stringify(exportDashboard(d))), d);
  assert.throws(() => parseDashboardJson('{nope'), ValidationError);
});
