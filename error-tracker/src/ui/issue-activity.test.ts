import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IssueStatus } from '../model.js';
import { describeChange } from './issue-activity.js';

test('describeChange() words each kind of status change from its stored details', () => {
  const check = (
    from: IssueStatus | null,
    to: IssueStatus,
    details: Record<string, unknown>,
    expected: string,
  ) =>
    assert.equal(
      describeChange({ id: 1, issueId: 6, fromStatus: from, toStatus: to, actor: 'a', at: '', details }),
      expected,
      JSON.stringify(details),
    );
  check('unresolved', 'resolved', {}, '');
  check('resolved', 'unresolved', {}, '');
  check('resolved', 'unresolved', { reason: 'regression', release: 'app@1.0.0' }, 'regression in app@1.0.0');
  check('resolved', 'unresolved', { reason: 'regression', release: null }, 'regression');
  check('unresolved', 'unresolved', { merged: [5] }, '#5 merged into this issue');
  check('resolved', 'resolved', { merged: [5, 9] }, '#5, #9 merged into this issue');
  check('ignored', 'unresolved', { reason: 'ignore_expired' }, 'ignore condition met');
  check(
    'unresolved',
    'resolved',
    { inNextRelease: true, release: 'app@1.1.0' },
    'in the release after app@1.1.0',
  );
  check('unresolved', 'resolved', { inNextRelease: true, release: null }, 'in the next release');
  check(
    'unresolved',
    'ignored',
    { untilEvents: 10, untilTime: null, untilUsers: null },
    'until 10 more events',
  );
  check(
    'unresolved',
    'ignored',
    { untilEvents: null, untilTime: '2027-01-01T00:00:00.000Z', untilUsers: 3 },
    'until 3 more users or 2027-01-01 00:00 UTC',
  );
  check('unresolved', 'ignored', { untilEvents: null, untilTime: null, untilUsers: null }, 'forever');
  check('unresolved', 'ignored', {}, 'forever');
});
