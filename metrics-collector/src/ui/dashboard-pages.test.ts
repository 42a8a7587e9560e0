import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardFromForm } from './dashboard-pages.js';

const form = (action: string, extra: Record<string, string> = {}) => ({
  title: 'T',
  range: '1h',
  refresh: '',
  'panels.0.expr': 'a',
  'panels.1.expr': 'b',
  'panels.2.expr': 'c',
  action,
  ...extra,
});
const exprs = (action: string, extra?: Record<string, string>) =>
  (dashboardFromForm(form(action, extra)).dashboard.panels as { expr: string }[]).map((p) => p.expr).join('');

test('dashboardFromForm applies the pressed button: save, add, move up/down, remove', () => {
  assert.equal(exprs('save'), 'abc');
  assert.equal(exprs('add'), 'abcup');
  assert.equal(exprs('up:1'), 'bac');
  assert.equal(exprs('down:1'), 'acb');
  assert.equal(exprs('up:0'), 'abc');
  assert.equal(exprs('down:2'), 'abc');
  assert.equal(exprs('up:2', { 'panels.1.remove': '1' }), 'ca');
  assert.equal(exprs('save', { 'panels.1.remove': '1' }), 'ac');
  assert.equal(dashboardFromForm(form('save')).stayOnEdit, false);
  assert.equal(dashboardFromForm(form('down:0')).stayOnEdit, true);
  assert.equal(dashboardFromForm({ title: 'x' }).stayOnEdit, false);
});
