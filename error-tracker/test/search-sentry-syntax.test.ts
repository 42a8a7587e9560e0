// Searches as a Sentry user writes them, on the real server: backslashes inside quotes are literal
// (Windows paths, DOMAIN\user), `*` in a value is a wildcard (`release:app@1.*`, `\*` an asterisk),
// and Sentry's issue keys (times_seen:, age:, firstSeen:/lastSeen:, firstRelease:, error.type:,
// user.id:) work or are a 422 naming the key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

type Page = { data: { title: string }[] };

let t: TrackerTest;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ISSUES: { fn: string; release: string; tags: Record<string, string> }[] = [
  { fn: 'win', release: 'app@1.0.0', tags: { winpath: 'C:\\dir\\file', tenant: 'acme' } },
  { fn: 'patch', release: 'app@1.1.0', tags: { tenant: 'acme-eu' } },
  { fn: 'major', release: 'app@2.0.0', tags: { tenant: 'a*b' } },
  { fn: 'glob_chars', release: 'app@2.1.0', tags: { tenant: 'x?[y]' } },
];
before(async () => {
  t = await startTracker();
  for (const { fn, release, tags } of ISSUES) {
    await sendEvent(t, { fn, value: `failure in ${fn}`, release, tags, user: fn === 'win' ? 'u1' : 'u2' });
    t.drain();
    // win is first seen two days before the rest
    if (fn === 'win') t.clock.now += 2 * DAY_MS;
  }
  await sendEvent(t, { message: 'the pager rang at night' });
  await sendEvent(t, { message: 'Ошибка ОПЛАТЫ Zahlung FEHLGESCHLAGEN für Über' });
  t.drain();
  t.clock.now += 2 * HOUR_MS;
  for (const release of ['app@1.1.0', 'app@1.2.0']) {
    await sendEvent(t, { fn: 'patch', value: 'failure in patch', release, tags: { tenant: 'acme-eu' } });
  }
  await sendEvent(t, { type: 'KeyError', fn: 'key', value: 'failure in key' });
  t.drain();
});
after(() => t.close());

const search = async (query: string) => {
  const res = await api<Page>(t, 'GET', `/api/issues?limit=100&query=${encodeURIComponent(query)}`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.data.map((i) => i.title.replace(/^\w+Error: failure in /, '')).sort();
};
const refused = async (query: string) => {
  const res = await api<{ error: { code: string; message: string } }>(
    t,
    'GET',
    `/api/issues?query=${encodeURIComponent(query)}`,
  );
  assert.equal(res.status, 422, JSON.stringify(res.json));
  return res.json.error.message;
};

describe('GET /api/issues?query= with Sentry syntax', () => {
  test('a backslash inside quotes is literal unless it escapes " or \\', async () => {
    assert.deepEqual(await search('winpath:"C:\\dir\\file"'), ['win']);
    assert.deepEqual(await search('winpath:C:\\dir\\file'), ['win']);
    assert.deepEqual(await search('winpath:"C:\\\\dir\\\\file"'), ['win'], 'the doubled form still works');
  });

  test('* in a tag, release or message value is a wildcard; \\* is an asterisk', async () => {
    assert.deepEqual(await search('tenant:acm*'), ['patch', 'win']);
    assert.deepEqual(await search('release:app@1.*'), ['patch', 'win']);
    assert.deepEqual(await search('release:*.0.0'), ['major', 'win']);
    assert.deepEqual(await search('!tenant:acm* has:tenant'), ['glob_chars', 'major']);
    assert.deepEqual(await search('tenant:[other, *-eu]'), ['patch']);
    assert.deepEqual(await search('message:*pager*'), ['the pager rang at night']);
    assert.deepEqual(await search('pager*night'), ['the pager rang at night']);
    assert.deepEqual(await search('tenant:a\\*b'), ['major']);
    assert.deepEqual(await search('tenant:"a\\*b"'), ['major']);
    assert.deepEqual(await search('tenant:x?[y]'), ['glob_chars'], '? and [ are not wildcards');
    assert.deepEqual(await search('tenant:x*]'), ['glob_chars']);
  });

  test("Sentry's issue keys: times_seen, age, firstSeen/lastSeen, firstRelease, error.type, user.*", async () => {
    assert.deepEqual(await search('times_seen:>2'), ['patch']);
    assert.deepEqual(await search('times_seen:3'), ['patch']);
    assert.deepEqual(await search('timesSeen:<=1 tenant:acm*'), ['win']);
    assert.deepEqual(await search('age:+24h'), ['win']);
    assert.deepEqual(await search('age:-24h tenant:acm*'), ['patch']);
    assert.deepEqual(await search('lastSeen:-1h'), ['key', 'patch']);
    assert.deepEqual(await search('lastSeen:+1h tenant:*'), ['glob_chars', 'major', 'win']);
    assert.deepEqual(await search('firstSeen:<2026-11-26 has:tenant'), ['win']);
    assert.deepEqual(await search('firstSeen:>=2026-11-26 age:-3d has:tenant'), [
      'glob_chars',
      'major',
      'patch',
    ]);
    assert.deepEqual(await search('firstRelease:app@1.1.0'), ['patch']);
    assert.deepEqual(await search('firstRelease:app@1.2.0'), []);
    assert.deepEqual(await search('release:app@1.2.0'), ['patch']);
    assert.deepEqual(await search('error.type:KeyError'), ['key']);
    assert.deepEqual(await search('user.id:u1'), ['win']);
    assert.deepEqual(await search('!user.id:u1 has:tenant'), ['glob_chars', 'major', 'patch']);
  });

  test('a Sentry key with nothing to match here, or a bad value, is a 422 that names it', async () => {
    assert.match(
      await refused('assigned:me'),
      /^assigned: is a Sentry search key this tracker does not support/,
    );
    assert.match(
      await refused('is:unassigned'),
      /is must be one of unresolved, resolved, ignored, regressed/,
    );
    assert.match(await refused('times_seen:many'), /^times_seen: takes a count/);
    assert.match(await refused('age:>2026-11-25'), /^age: takes a relative time/);
    assert.deepEqual(await search('"assigned":me'), [], 'a quoted key is still a tag');
  });

  test('free text folds the case of any letter, not only ASCII', async () => {
    const hit = ['Ошибка ОПЛАТЫ Zahlung FEHLGESCHLAGEN für Über'];
    for (const q of [
      'Ошибка',
      'ошибка',
      'оплаты',
      'fehlgeschlagen',
      'über',
      'ÜBER',
      'zahlung fehlgeschlagen FÜR',
    ])
      assert.deepEqual(await search(q), hit, q);
    assert.deepEqual(await search('оплата'), []);
  });
});
