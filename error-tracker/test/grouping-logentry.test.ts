// Grouping (since version 2) through the real server: logging events group by their template
// (`logentry.message`), as Sentry's message strategy does, and an issue made under version 1 (keyed
// by the formatted text) keeps receiving the events that would have grouped into it; once one did,
// the issue holds the template's key and the other values' events join it too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(() => t.close());

const PYTHON = `
import sys, logging, sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration
sentry_sdk.init(dsn=sys.argv[1], integrations=[LoggingIntegration(event_level=logging.ERROR)])
log = logging.getLogger("billing")
for name, via in zip(sys.argv[2::2], sys.argv[3::2]):
    log.error("invoice for customer %s could not be sent via %s", name, via)
sentry_sdk.flush(5)
`;

function logErrors(...params: string[]): Promise<void> {
  const dsn = `http://publickey@127.0.0.1:${new URL(t.url).port}/1`;
  return new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', ['-c', PYTHON, dsn, ...params], { timeout: 30_000 }, (err, _o, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
    ),
  );
}

interface IssueRow {
  id: number;
  title: string;
  event_count: number;
}
const invoiceIssues = async () =>
  (
    await api<{ data: IssueRow[] }>(
      t,
      'GET',
      `/api/issues?query=${encodeURIComponent('invoice')}&sort=first_seen`,
    )
  ).json.data.sort((a, b) => a.id - b.id);

test('sentry-python logging errors with different parameters are one issue titled by the formatted text', async () => {
  // A plain message with carol's formatted text is keyed as version 1 keyed carol's logging event:
  // it stands for an issue an older server made.
  await sendEvent(t, { message: 'invoice for customer carol could not be sent via smtp' });
  t.drain();
  // carol's event finds that issue by its version 1 key, which attaches the template's key to it:
  // alice's and bob's events, whose version 1 keys are unknown, join it by the template
  await logErrors('carol', 'smtp', 'alice', 'smtp', 'bob smith', 'sendgrid api');
  t.drain();
  const issues = await invoiceIssues();
  assert.equal(issues.length, 1, JSON.stringify(issues));
  assert.equal(issues[0].event_count, 4);
  assert.equal(
    issues[0].title,
    'invoice for customer bob smith could not be sent via sendgrid api',
    'the latest text',
  );
});
