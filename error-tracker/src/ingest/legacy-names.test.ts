import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from './envelope.js';
import { withModernNames } from './legacy-names.js';

test('withModernNames() reads raven-era interface names as the modern ones; the modern name wins', () => {
  const check = (input: JsonObject, expected: JsonObject) =>
    assert.deepEqual(withModernNames(input), expected, JSON.stringify(input));
  check(
    { 'sentry.interfaces.Message': { message: 'm %s', params: ['p'] } },
    { logentry: { message: 'm %s', params: ['p'] } },
  );
  check(
    { 'sentry.interfaces.Exception': { values: [{ type: 'E' }] } },
    { exception: { values: [{ type: 'E' }] } },
  );
  check({ 'sentry.interfaces.Stacktrace': { frames: [] } }, { stacktrace: { frames: [] } });
  check({ 'sentry.interfaces.Http': { url: 'http://x/' } }, { request: { url: 'http://x/' } });
  check({ 'sentry.interfaces.User': { id: 'u1' } }, { user: { id: 'u1' } });
  check({ 'sentry.interfaces.Contexts': { os: {} } }, { contexts: { os: {} } });
  check({ 'sentry.interfaces.Breadcrumbs': { values: [] } }, { breadcrumbs: { values: [] } });
  check({ 'sentry.interfaces.Template': { filename: 't' } }, { template: { filename: 't' } });
  check({ user: { id: 'new' }, 'sentry.interfaces.User': { id: 'old' } }, { user: { id: 'new' } });
  check(
    { message: 'plain', 'sentry.interfaces.Message': { message: 'm' } },
    { message: 'plain', logentry: { message: 'm' } },
  );
  check({ 'sentry.interfaces.Query': { query: 'q' } }, { 'sentry.interfaces.Query': { query: 'q' } });
  const modern = { message: 'x', user: { id: 'u' } };
  assert.equal(withModernNames(modern), modern, 'an event without legacy names is returned as is');
});
