import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '@flowrent/shared/errors';
import { type Form, readAlertRule, readId, readKeyLabel, readMergeSource } from './manage-forms.js';

test('readId() takes what people type ("#12", " 7 ") and refuses the rest', () => {
  const check = (input: string | undefined, expected: number | null) =>
    expected === null
      ? assert.throws(() => readId(input, 'issue'), ValidationError, String(input))
      : assert.equal(readId(input, 'issue'), expected);
  check('12', 12);
  check('#12', 12);
  check(' 7 ', 7);
  check('0', null);
  check('-1', null);
  check('1e3', null);
  check('', null);
  check(undefined, null);
  check('1234567890123456', null);
});

test('readMergeSource() refuses merging an issue into itself', () => {
  assert.equal(readMergeSource({ source: '#3' }, 9), 3);
  // ?source=2&source=3: a list at run time, a ValidationError (was a TypeError, a 500)
  assert.throws(() => readMergeSource({ source: ['2', '3'] as unknown as string }, 9), ValidationError);
  assert.throws(() => readMergeSource({ source: '9' }, 9), /into itself/);
});

test('readKeyLabel() trims and bounds the label', () => {
  assert.equal(readKeyLabel({ label: '  mobile ' }), 'mobile');
  assert.equal(readKeyLabel({}), '');
  assert.throws(() => readKeyLabel({ label: 'x'.repeat(101) }), ValidationError);
});

test('readAlertRule() reads each trigger and refuses bad URLs, formats and counts', () => {
  const ok = (form: Form) => readAlertRule(form, 4);
  const bad = (form: Form, message: RegExp) => assert.throws(() => readAlertRule(form, 4), message);
  assert.deepEqual(ok({ trigger: 'new_issue', url: ' https://h.example/x ', threshold: '5' }), {
    projectId: 4,
    trigger: 'new_issue',
    url: 'https://h.example/x',
    format: 'json',
    threshold: null,
    windowMinutes: null,
  });
  assert.deepEqual(
    ok({
      trigger: 'frequency',
      url: 'http://127.0.0.1:9/',
      format: 'slack',
      threshold: '5',
      window_minutes: '10',
    }),
    {
      projectId: 4,
      trigger: 'frequency',
      url: 'http://127.0.0.1:9/',
      format: 'slack',
      threshold: 5,
      windowMinutes: 10,
    },
  );
  assert.equal(ok({ trigger: 'regression', url: 'https://h.example/' }).trigger, 'regression');
  bad({ trigger: 'sometimes', url: 'https://h.example/' }, /when the alert fires/);
  bad({ trigger: 'new_issue', url: 'javascript:alert(1)' }, /http\(s\) URL/);
  bad({ trigger: 'new_issue', url: 'https://h.example/a b' }, /http\(s\) URL/);
  bad({ trigger: 'new_issue', url: `https://h.example/${'x'.repeat(2000)}` }, /http\(s\) URL/);
  bad({ trigger: 'new_issue', url: 'https://h.example/', format: 'xml' }, /json or slack/);
  bad({ trigger: 'frequency', url: 'https://h.example/', window_minutes: '10' }, /number of events/);
  bad({ trigger: 'frequency', url: 'https://h.example/', threshold: '5', window_minutes: '0' }, /minutes/);
  bad(
    { trigger: 'frequency', url: 'https://h.example/', threshold: '5000000000', window_minutes: '1' },
    /too large/,
  );
});
