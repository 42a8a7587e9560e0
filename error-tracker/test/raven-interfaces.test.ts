// Raven-era clients (raven-java, raven-python 6, raven-php) send `sentry.interfaces.Message`,
// `…Exception`, `…User`, `…Http` to /store/ (black-box 10 #15): they were ignored, so a log message
// and an exception landed in one "<unlabeled event>" issue without user or url. Relay reads them as
// logentry, exception, user and request; so does the tracker, scrubbing them before storage.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decompressPayload } from '../src/store/codec.js';
import { getJson, send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const store = (event: object) =>
  send(`${t.url}/api/1/store/`, {
    headers: {
      'content-type': 'application/json',
      'x-sentry-auth': 'Sentry sentry_version=6, sentry_client=raven-python/6.10.0, sentry_key=publickey',
    },
    body: JSON.stringify(event),
  });

interface IssueJson {
  id: number;
  title: string;
  culprit: string;
  user_count: number;
  tags: { key: string; top_values: { value: string }[] }[];
}

test('sentry.interfaces.Message/Exception/User/Http are read as logentry, exception, user, request', async () => {
  const message = await store({
    event_id: '1e9ac000000000000000000000000001',
    release: 'raven@6',
    'sentry.interfaces.Message': { message: 'raven message %s', params: ['p1'] },
    'sentry.interfaces.User': { id: 'ru1' },
    'sentry.interfaces.Http': {
      url: 'http://shop/x',
      method: 'GET',
      headers: { Authorization: 'Bearer raven-secret-token' },
    },
  });
  const exception = await store({
    event_id: '1e9ac000000000000000000000000002',
    release: 'raven@6',
    'sentry.interfaces.Exception': {
      values: [
        {
          type: 'RavenErr',
          value: 'boom',
          stacktrace: { frames: [{ module: 'app', function: 'f', in_app: true }] },
        },
      ],
    },
  });
  assert.equal(message.status, 200);
  assert.equal(exception.status, 200);
  t.drain();
  const list = await getJson<{ data: IssueJson[] }>(t, '/api/issues?release=raven@6');
  const titles = list.data.map((i) => i.title).sort();
  assert.deepEqual(titles, ['RavenErr: boom', 'raven message p1']);
  const logIssue = list.data.find((i) => i.title === 'raven message p1') as IssueJson;
  assert.equal(logIssue.user_count, 1);
  const detail = await getJson<IssueJson>(t, `/api/issues/${logIssue.id}`);
  const url = detail.tags.find((tag) => tag.key === 'url');
  assert.deepEqual(
    url?.top_values.map((v) => v.value),
    ['http://shop/x'],
  );
  const row = t.db
    .prepare('SELECT payload FROM events WHERE event_id = ?')
    .get('1e9ac000000000000000000000000001') as {
    payload: Buffer;
  };
  const stored = decompressPayload(row.payload);
  assert.ok(!stored.includes('raven-secret-token'), 'the Http interface is scrubbed before storage');
});
