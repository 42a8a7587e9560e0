import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IssueFilter } from '../model.js';
import {
  formatTagTerm,
  MAX_TAG_TERMS,
  parseIssueParams,
  QueryError,
  QuerySyntaxError,
} from './issue-search.js';

const tag = (key: string, values: string[], negated = false) => ({ key, values, negated });

test('parseIssueParams() reads filters, sorts and the search language', () => {
  assert.deepEqual(parseIssueParams({ project: '1', status: 'resolved', sort: 'events', limit: '10' }), {
    projectId: 1,
    status: 'resolved',
    sort: 'events',
    limit: 10,
  });
  assert.deepEqual(parseIssueParams({ environment: 'prod', release: 'app@1' }), {
    environment: 'prod',
    release: 'app@1',
  });
  assert.equal(parseIssueParams({ last_seen_from: '1764110000' }).lastSeenFrom, '2025-11-25T22:33:20.000Z');
});

test('parseIssueParams() maps each search term onto the filter', () => {
  const check = (query: string, expected: IssueFilter) =>
    assert.deepEqual(parseIssueParams({ query }), expected);
  check('is:regressed level:error tenant:acme env:prod "card declined" amount', {
    isRegressed: true,
    level: 'error',
    tags: [tag('tenant', ['acme']), tag('environment', ['prod'])],
    text: 'card declined amount',
  });
  check('is:ignored', { status: 'ignored' });
  check('trace:936465bc5ba647439256e81b3e62c538', { traceId: '936465bc5ba647439256e81b3e62c538' });
  check('browser:"Chrome 120"', { tags: [tag('browser', ['Chrome 120'])] });
  check('k:"say \\"hi\\""', { tags: [tag('k', ['say "hi"'])] });
  check('message:"card declined"', { text: 'card declined' });
  check('!tenant:acme -browser:"Chrome 120"', {
    tags: [tag('tenant', ['acme'], true), tag('browser', ['Chrome 120'], true)],
  });
  check('tenant:[acme, "big co"]', { tags: [tag('tenant', ['acme', 'big co'])] });
  check('!env:[staging,dev] release:shop@1.2', {
    tags: [tag('environment', ['staging', 'dev'], true), tag('release', ['shop@1.2'])],
  });
  check('has:browser !has:user has:env', {
    tags: [tag('browser', []), tag('user', [], true), tag('environment', [])],
  });
  // the user fields are not tags: has: asks whether any user of the issue had the field
  check('has:user.email !has:user.ip has:user.id', {
    tags: [
      { ...tag('user.email', []), userField: 'email' },
      { ...tag('user.ip', [], true), userField: 'ip' },
      tag('user', ['id:*']),
    ],
  });
  check('Tenant:X', { tags: [tag('Tenant', ['X'])] });
  check('https://shop/x 10:30', { text: 'https://shop/x 10:30' });
});

test('parseIssueParams() rejects bad values with a QueryError', () => {
  const bad = (params: Record<string, string>, message: RegExp) =>
    assert.throws(
      () => parseIssueParams(params),
      (err: unknown) => err instanceof QueryError && message.test(err.message),
    );
  bad({ status: 'open' }, /status must be one of/);
  bad({ sort: 'random' }, /sort/);
  bad({ limit: '-1' }, /limit/);
  bad({ first_seen_from: 'yesterday' }, /first_seen_from/);
  bad({ query: 'trace:xyz' }, /32 hex/);
  bad({ query: 'level:nonsense' }, /level must be one of/);
  bad({ query: '!level:error' }, /level: cannot be negated/);
  bad({ query: '-is:resolved' }, /is: cannot be negated/);
  bad({ query: 'level:[error,fatal]' }, /level: takes one value/);
  bad({ query: 'has:[a,b]' }, /has: takes one tag name/);
  bad({ query: 'has:""' }, /has: takes one tag name/);
  bad(
    { query: Array.from({ length: MAX_TAG_TERMS + 1 }, (_, n) => `t${n}:v`).join(' ') },
    /at most 20 tag terms/,
  );
  bad({ query: `k:[${Array.from({ length: 101 }, (_, n) => n).join(',')}]` }, /at most 100 values/);
});

test('parseIssueParams() reports an unterminated quote as a syntax error with its position', () => {
  assert.throws(
    () => parseIssueParams({ query: 'level:error browser:"Chrome 120' }),
    (err: unknown) =>
      err instanceof QuerySyntaxError && err.position === 20 && /unterminated quote/.test(err.message),
  );
});

test("parseIssueParams() reads a time filter without a zone as UTC, whatever the server's zone", () => {
  const zone = process.env.TZ;
  process.env.TZ = 'America/New_York';
  try {
    assert.equal(
      parseIssueParams({ first_seen_from: '2026-11-25T20:00:00' }).firstSeenFrom,
      '2026-11-25T20:00:00.000Z',
    );
    assert.equal(
      parseIssueParams({ last_seen_to: '2026-11-25T20:00:00.5' }).lastSeenTo,
      '2026-11-25T20:00:00.500Z',
    );
    // RFC 3339 lets a space stand for the T; Date.parse reads that form in the server's zone too
    assert.equal(
      parseIssueParams({ first_seen_from: '2026-11-25 20:00:00' }).firstSeenFrom,
      '2026-11-25T20:00:00.000Z',
    );
    assert.equal(
      parseIssueParams({ last_seen_to: '2026-11-25T20:00:00+01:00' }).lastSeenTo,
      '2026-11-25T19:00:00.000Z',
    );
    assert.equal(
      parseIssueParams({ first_seen_from: '1764100800' }).firstSeenFrom,
      '2025-11-25T20:00:00.000Z',
    );
    assert.throws(() => parseIssueParams({ first_seen_from: '9999999999999999' }), QueryError);
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});

test('formatTagTerm() writes a term that parseIssueParams() reads back as exactly that tag key and value', () => {
  const check = (key: string, value: string, written: string) => {
    assert.equal(formatTagTerm(key, value), written);
    // an empty value means "empty or not set", as in Sentry: empty values are not indexed
    const expected = value === '' ? tag(key, [], true) : tag(key, [value]);
    assert.deepEqual(parseIssueParams({ query: written }), { tags: [expected] });
  };
  check('tenant', 'acme', 'tenant:acme');
  check('weird key', 'v w', '"weird key":"v w"');
  check('ü', 'ß', 'ü:ß');
  check('k:colon', 'v:c', '"k:colon":v:c');
  check('empty', '', 'empty:""');
  check('environment', 'prod', 'environment:prod');
  // tag keys that name a built-in or an alias are quoted, so they stay the tag they are
  check('level', 'x', '"level":x');
  check('has', 'x', '"has":x');
  check('env', 'x', '"env":x');
  check('Release', 'x', '"Release":x');
  assert.deepEqual(parseIssueParams({ query: '!empty:""' }), { tags: [tag('empty', [])] });
});

test("parseIssueParams() maps Sentry's issue keys onto the filter, counting relative times from the clock", () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  const check = (query: string, expected: IssueFilter) =>
    assert.deepEqual(parseIssueParams({ query }, now), expected);
  check('times_seen:>10', { eventCountMin: 11 });
  check('timesSeen:>=3 times_seen:<5', { eventCountMin: 3, eventCountMax: 4 });
  check('times_seen:7', { eventCountMin: 7, eventCountMax: 7 });
  check('age:-24h', { firstSeenFrom: '2026-11-25T12:00:00.000Z' });
  check('age:+1w', { firstSeenTo: '2026-11-19T12:00:00.000Z' });
  check('lastSeen:-30m lastSeen:-1h', { lastSeenFrom: '2026-11-26T11:30:00.000Z' });
  check('firstSeen:>2026-11-25', { firstSeenFrom: '2026-11-25T00:00:00.001Z' });
  check('firstSeen:<=2026-11-25T10:00:00', { firstSeenTo: '2026-11-25T10:00:00.000Z' });
  check('firstRelease:app@1.0.0 error.type:ValueError', { firstRelease: 'app@1.0.0', type: 'ValueError' });
  check('user.id:u1 !user.email:[a@x.io, b@x.io] user.username:bo* User.IP:10.0.0.1', {
    tags: [
      tag('user', ['id:u1']),
      { ...tag('user.email', ['a@x.io', 'b@x.io'], true), userField: 'email' },
      { ...tag('user.username', ['bo*']), userField: 'username' },
      { ...tag('User.IP', ['10.0.0.1']), userField: 'ip' },
    ],
  });
  check('user.email:""', { tags: [{ ...tag('user.email', [], true), userField: 'email' }] });
  const refused = (query: string, message: RegExp) =>
    assert.throws(
      () => parseIssueParams({ query }, now),
      (e: Error) => e instanceof QueryError && message.test(e.message),
    );
  refused('assigned:me', /^assigned: is a Sentry search key/);
  refused('bookmarks:me', /^bookmarks: is a Sentry search key/);
  refused('is:unassigned', /one of unresolved, resolved, ignored, regressed$/);
  refused('times_seen:>x', /^times_seen: takes a count/);
  refused('lastSeen:yesterday', /^lastSeen: takes a comparison with a date/);
  refused('age:2026-11-25', /^age: takes a relative time/);
  refused('!age:-1h', /cannot be negated/);
});
