// An issue's exception type follows its latest event together with the title, as Sentry updates a
// group's metadata (type, value, title) from each new event: after a merge of a ValueError issue
// and a RuntimeError issue, a new RuntimeError event titled the issue "RuntimeError: …" while
// `error.type:` still found it only as ValueError (black-box #53). Events from Debian's
// sentry-python, real server and SQLite file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(() => t.close());

// argv: dsn, then the exceptions to raise, one event each: ValueError or RuntimeError
const RAISE = `
import sys, sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], default_integrations=False)
def alpha():
    raise ValueError("alpha failed for order 123")
def gamma():
    raise RuntimeError("gamma went wrong")
for name in sys.argv[2:]:
    try:
        alpha() if name == "ValueError" else gamma()
    except Exception:
        sentry_sdk.capture_exception()
sentry_sdk.flush(5)
`;

async function raise(...types: string[]): Promise<void> {
  const dsn = `http://publickey@127.0.0.1:${new URL(t.url).port}/1`;
  await new Promise<void>((resolve, reject) =>
    execFile('/usr/bin/python3', ['-c', RAISE, dsn, ...types], { timeout: 30_000 }, (err, _o, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
    ),
  );
  t.drain();
}

type IssueJson = { id: number; type: string; title: string };
const byType = async (type: string) =>
  (await api<{ data: IssueJson[] }>(t, 'GET', `/api/issues?query=error.type:${type}`)).json.data;

test("after a merge, the issue's type follows its latest event with the title; error.type: finds it by it", async () => {
  await raise('ValueError', 'RuntimeError');
  const [value] = await byType('ValueError');
  const [runtime] = await byType('RuntimeError');
  assert.ok(value && runtime && value.id !== runtime.id, 'two issues');
  const merged = await api(t, 'POST', `/api/issues/${value.id}/merge`, { ids: [runtime.id] });
  assert.equal(merged.status, 200);
  await raise('RuntimeError');
  const issue = (await api<IssueJson>(t, 'GET', `/api/issues/${value.id}`)).json;
  assert.equal(issue.title, 'RuntimeError: gamma went wrong');
  assert.equal(issue.type, 'RuntimeError');
  assert.deepEqual(
    (await byType('RuntimeError')).map((i) => i.id),
    [value.id],
  );
  assert.deepEqual(
    await byType('ValueError'),
    [],
    'the type of an older event is not searched, as the title',
  );
});
