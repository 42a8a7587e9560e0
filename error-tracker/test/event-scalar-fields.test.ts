// Scalar event fields of an unexpected type or with stray spaces are read as Relay's schema reads
// them: a release sent as a number is that release (sentry-python 1.9.10 sends str(release) and
// strips both itself; a hand-rolled client need not), release and environment are trimmed, and a
// null message is no message rather than the title "null".
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(() => t.close());

interface IssueJson {
  id: number;
  title: string;
  tags: { key: string; top_values: { value: string }[] }[];
}

const tagValues = (issue: IssueJson, key: string) =>
  issue.tags.find((tag) => tag.key === key)?.top_values.map((v) => v.value) ?? [];

async function onlyIssue(query: string): Promise<IssueJson> {
  const list = (await api<{ data: IssueJson[] }>(t, 'GET', `/api/issues?query=${encodeURIComponent(query)}`))
    .json.data;
  assert.equal(list.length, 1, query);
  return (await api<IssueJson>(t, 'GET', `/api/issues/${list[0].id}`)).json;
}

test('a release sent as a number is its text; release and environment are trimmed', async () => {
  for (const release of [123, ' 123 ']) {
    const body = { message: 'numeric release', release, environment: ' production ' };
    const res = await send(`${t.url}/api/1/store/?sentry_key=publickey`, { body: JSON.stringify(body) });
    assert.equal(res.status, 200);
  }
  t.drain();
  const issue = await onlyIssue('numeric release');
  assert.deepEqual(tagValues(issue, 'release'), ['123']);
  assert.deepEqual(tagValues(issue, 'environment'), ['production']);
  const byRelease = await api<{ data: unknown[] }>(t, 'GET', '/api/issues?release=123');
  assert.equal(byRelease.json.data.length, 1, 'found by its release');
});

test('a null message is no message: the title is not "null"', async () => {
  const res = await send(`${t.url}/api/1/store/?sentry_key=publickey`, {
    body: JSON.stringify({ message: null, logentry: null, release: '  ', tags: { case: 'null-message' } }),
  });
  assert.equal(res.status, 200);
  t.drain();
  const issue = await onlyIssue('case:null-message');
  assert.equal(issue.title, '<unlabeled event>');
  assert.deepEqual(tagValues(issue, 'release'), [], 'a blank release is none');
});
