import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IssueFilter } from '../model.js';
import { QueryError } from '../query/issue-search.js';
import { listUrl, readListState, toIssueFilter } from './issue-query.js';

test('readListState() falls back to defaults for missing or unknown values', () => {
  assert.deepEqual(readListState({}), {
    query: '',
    since: '',
    status: 'unresolved',
    sort: 'last_seen',
    level: '',
    projectId: null,
    cursor: null,
  });
  const s = readListState({
    status: 'bogus',
    sort: 'events',
    level: 'fatal',
    project: '2',
    cursor: 'abc',
    query: ['a', 'b'],
    since: '7d',
  });
  assert.deepEqual(s, {
    query: 'a',
    since: '7d',
    status: 'unresolved',
    sort: 'events',
    level: 'fatal',
    projectId: 2,
    cursor: 'abc',
  });
  assert.equal(readListState({ project: '-1' }).projectId, null);
  assert.equal(readListState({ since: '2y' }).since, '');
});

test('toIssueFilter() turns a quick range into a last-seen lower bound', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  assert.equal(toIssueFilter(readListState({ since: '24h' }), now).lastSeenFrom, '2026-11-24T12:00:00.000Z');
  assert.equal(listUrl(readListState({ since: '1h' })), '/?since=1h');
});

test('toIssueFilter() maps search tokens onto the store filter', () => {
  const check = (query: string, expected: Partial<IssueFilter>, status = 'unresolved') =>
    assert.deepEqual(toIssueFilter(readListState({ query, status }), 0), {
      sort: 'last_seen',
      cursor: null,
      limit: 50,
      ...expected,
    });
  check('', { status: 'unresolved' });
  check('', {}, 'all');
  check('card declined', { status: 'unresolved', text: 'card declined' });
  check('is:resolved', { status: 'resolved' });
  check('is:regressed level:fatal env:production release:shop@1.2.3', {
    status: 'unresolved',
    isRegressed: true,
    level: 'fatal',
    tags: [
      { key: 'environment', values: ['production'], negated: false },
      { key: 'release', values: ['shop@1.2.3'], negated: false },
    ],
  });
  check('tenant:acme', { status: 'unresolved', tags: [{ key: 'tenant', values: ['acme'], negated: false }] });
  check('!browser:"Chrome 120" has:user', {
    status: 'unresolved',
    tags: [
      { key: 'browser', values: ['Chrome 120'], negated: true },
      { key: 'user', values: [], negated: false },
    ],
  });
  check('trace:0E37CD84A5C14911BA036E32CF9C6D49', {
    status: 'unresolved',
    traceId: '0e37cd84a5c14911ba036e32cf9c6d49',
  });
  check('http://x "quoted words"', { status: 'unresolved', text: 'http://x quoted words' });
  for (const bad of ['level:nope', 'is:sleeping', 'trace:xyz', 'browser:"Chrome']) {
    assert.throws(() => toIssueFilter(readListState({ query: bad }), 0), QueryError);
  }
});

test('listUrl() keeps the state in the query string and drops defaults', () => {
  const s = readListState({ query: 'a b', status: 'resolved', cursor: 'c1' });
  assert.equal(listUrl(s), '/?query=a+b&status=resolved');
  assert.equal(listUrl(s, { sort: 'events' }), '/?query=a+b&status=resolved&sort=events');
  assert.equal(listUrl(s, { cursor: 'c2' }), '/?query=a+b&status=resolved&cursor=c2');
  assert.equal(listUrl(readListState({})), '/');
});
