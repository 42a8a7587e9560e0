// Searches as a Sentry user writes them, on the real server: backslashes inside quotes are literal
// (Windows paths, DOMAIN\user), `*` in a value is a wildcard (`release:app@1.*`, `\*` an asterisk).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

type Page = { data: { title: string }[] };

let t: TrackerTest;
const ISSUES: { fn: string; release: string; tags: Record<string, string> }[] = [
  { fn: 'win', release: 'app@1.0.0', tags: { winpath: 'C:\\dir\\file', tenant: 'acme' } },
  { fn: 'patch', release: 'app@1.1.0', tags: { tenant: 'acme-eu' } },
  { fn: 'major', release: 'app@2.0.0', tags: { tenant: 'a*b' } },
  { fn: 'glob_chars', release: 'app@2.1.0', tags: { tenant: 'x?[y]' } },
];
before(async () => {
  t = await startTracker();
  for (const { fn, release, tags } of ISSUES) {
    await sendEvent(t, { fn, value: `failure in ${fn}`, release, tags });
  }
  await sendEvent(t, { message: 'the pager rang at night' });
  t.drain();
});
after(() => t.close());

const search = async (query: string) => {
  const res = await api<Page>(t, 'GET', `/api/issues?limit=100&query=${encodeURIComponent(query)}`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.data.map((i) => i.title.replace(/^ValueError: failure in /, '')).sort();
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
});
