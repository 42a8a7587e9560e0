import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIssueParams, QueryError } from './issue-search.js';

test('parseIssueParams() reads filters, sorts and the search language', () => {
  assert.deepEqual(parseIssueParams({ project: '1', status: 'resolved', sort: 'events', limit: '10' }), {
    projectId: 1,
    status: 'resolved',
    sort: 'events',
    limit: 10,
  });
  assert.deepEqual(
    parseIssueParams({ query: 'is:regressed level:error tenant:acme env:prod "card declined" amount' }),
    {
      isRegressed: true,
      level: 'error',
      tags: [{ key: 'tenant', value: 'acme' }],
      environment: 'prod',
      text: 'card declined amount',
    },
  );
  assert.deepEqual(parseIssueParams({ query: 'trace:936465bc5ba647439256e81b3e62c538' }), {
    traceId: '936465bc5ba647439256e81b3e62c538',
  });
  assert.equal(parseIssueParams({ last_seen_from: '1764110000' }).lastSeenFrom, '2025-11-25T22:33:20.000Z');
});

test('parseIssueParams() rejects bad values', () => {
  assert.throws(() => parseIssueParams({ status: 'open' }), QueryError);
  assert.throws(() => parseIssueParams({ sort: 'random' }), QueryError);
  assert.throws(() => parseIssueParams({ limit: '-1' }), QueryError);
  assert.throws(() => parseIssueParams({ query: 'trace:xyz' }), QueryError);
  assert.throws(() => parseIssueParams({ first_seen_from: 'yesterday' }), QueryError);
});
