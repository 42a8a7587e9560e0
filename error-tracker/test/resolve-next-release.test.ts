// "Resolved in next release" is resolved against the project's latest release, as Sentry's
// get_release_to_resolve_by(): a straggler's older release does not pin it, and more events from the
// release deployed when the user clicked are not regressions (Debian sentry-python).
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

const STRAGGLE = `
import sys, sentry_sdk
def boom():
    raise KeyError("straggler bug")
for rel in sys.argv[2:]:
    sentry_sdk.init(dsn=sys.argv[1], release=rel, default_integrations=False)
    try:
        boom()
    except KeyError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush(5)
`;

async function straggle(...releases: string[]): Promise<void> {
  const dsn = `http://publickey@127.0.0.1:${new URL(t.url).port}/1`;
  await new Promise<void>((resolve, reject) =>
    execFile(
      '/usr/bin/python3',
      ['-c', STRAGGLE, dsn, ...releases],
      { timeout: 30_000 },
      (err, _o, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  t.drain();
}

type IssueJson = { id: number; status: string; is_regressed: boolean; resolved_in_release: string | null };
const theIssue = async () => {
  const list = (await api<{ data: IssueJson[] }>(t, 'GET', '/api/issues?query=straggler')).json.data;
  assert.equal(list.length, 1);
  return (await api<IssueJson>(t, 'GET', `/api/issues/${list[0].id}`)).json;
};

test("resolve in next release pins the project's latest release, not the issue's last event's", async () => {
  await straggle('svc@2.0.0', 'svc@1.0.0');
  const { id } = await theIssue();
  const res = await api<IssueJson>(t, 'PATCH', `/api/issues/${id}`, {
    status: 'resolved',
    in_next_release: true,
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal((await theIssue()).resolved_in_release, 'svc@2.0.0');
  await straggle('svc@2.0.0', 'svc@1.0.0');
  assert.equal((await theIssue()).status, 'resolved', 'the release deployed when resolving is not newer');
  await straggle('svc@2.1.0');
  const reopened = await theIssue();
  assert.equal(reopened.status, 'unresolved');
  assert.equal(reopened.is_regressed, true);
});
