// The real SDKs against the running server: @sentry/node 11 in a child Node process and Debian's
// sentry-python (/usr/bin/python3) change only the DSN and create issues that group as Sentry would,
// including Sentry's frame rules (grouping version 3): anonymous functions and module-level code are
// told apart by their context lines.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { getJson, startTracker, type TrackerTest } from './helpers/server.js';

const NODE_MODULES = new URL('../../node_modules', import.meta.url).pathname;

const NODE_CLIENT = `
const Sentry = require('@sentry/node');
Sentry.init({ dsn: process.argv[2], release: 'shop@2.0.0', environment: 'staging', tracesSampleRate: 0 });
// values differ per call so the SDK's Dedupe integration keeps both; the stack is the same
function parseOrder(n) { const o = JSON.parse('{"order":null}'); if (!o.order) throw new TypeError('order ' + n + ' missing'); }
async function main() {
  for (let i = 0; i < 2; i++) {
    try { parseOrder(i); } catch (e) { Sentry.captureException(e); }
  }
  Sentry.withScope((scope) => {
    scope.setFingerprint(['{{ default }}', 'tenant-acme']);
    scope.setTag('tenant', 'acme');
    scope.setUser({ id: 'u-1', email: 'a@example.com' });
    try { parseOrder(7); } catch (e) { Sentry.captureException(e); }
  });
  Sentry.captureMessage('Queue depth above 500 items', 'warning');
  await Sentry.flush(5000);
}
main();
`;

const PYTHON_CLIENT = `
import sys
import sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], release="shop@2.0.0", environment="staging", default_integrations=False)

def parse_quantity(raw):
    return int(raw)

for raw in ["abc", "xyz"]:
    try:
        parse_quantity(raw)
    except ValueError:
        sentry_sdk.capture_exception()

with sentry_sdk.push_scope() as scope:
    scope.fingerprint = ["{{ default }}", "checkout"]
    try:
        parse_quantity("abc")
    except ValueError:
        sentry_sdk.capture_exception()

sentry_sdk.capture_message("Disk usage above 91% on /data", level="warning")
sentry_sdk.flush(5)
`;

// Black-box #30: two anonymous timer callbacks of one file, different code. Their in-app frames are
// \`Timeout._onTimeout\` and \`?\` in both: only the context lines tell them apart.
const NODE_ANONYMOUS = `
const Sentry = require('@sentry/node');
Sentry.init({ dsn: process.argv[2], release: 'anon@1', tracesSampleRate: 0 });
let left = 2;
const done = () => { if (--left === 0) Sentry.flush(5000); };
setTimeout(() => { try { (() => { JSON.parse('{bad'); })(); } catch (e) { Sentry.captureException(e); } done(); }, 1);
setTimeout(() => { try { (() => { JSON.parse('also bad'); })(); } catch (e) { Sentry.captureException(e); } done(); }, 1);
`;

// Black-box #30 addendum: two module-level KeyErrors of one script, different lines; the only in-app
// frame of each is __main__ / <module>
const PYTHON_MODULE_LEVEL = `
import sys
import sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], release="modlevel@1", default_integrations=False)
try:
    {}["missing"]
except KeyError:
    sentry_sdk.capture_exception()
try:
    {"a": 1}["other"]
except KeyError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(5)
`;

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

interface ApiIssue {
  id: number;
  title: string;
  event_count: number;
  user_count: number;
  level: string;
  platform: string;
  culprit: string;
}

let t: TrackerTest;
let dir: string;
before(async () => {
  t = await startTracker();
  dir = makeTempDir('et-sdk-');
  writeFileSync(join(dir, 'node_client.cjs'), NODE_CLIENT);
  writeFileSync(join(dir, 'python_client.py'), PYTHON_CLIENT);
  writeFileSync(join(dir, 'node_anonymous.cjs'), NODE_ANONYMOUS);
  writeFileSync(join(dir, 'python_module_level.py'), PYTHON_MODULE_LEVEL);
});
after(async () => t.close());

async function issuesOfPlatform(platform: string): Promise<ApiIssue[]> {
  const { data } = await getJson<{ data: ApiIssue[] }>(t, '/api/issues?limit=100');
  return data.filter((i) => i.platform === platform);
}

test('@sentry/node 11 events become issues: same stack groups, fingerprint splits, message by text', async () => {
  const port = new URL(t.url).port;
  await run(process.execPath, [join(dir, 'node_client.cjs'), `http://publickey@127.0.0.1:${port}/1`], {
    NODE_PATH: NODE_MODULES,
  });
  t.drain();
  const issues = await issuesOfPlatform('node');
  const typeErrors = issues.filter((i) => i.title.startsWith('TypeError'));
  assert.equal(typeErrors.length, 2, JSON.stringify(issues));
  assert.deepEqual(typeErrors.map((i) => i.event_count).sort(), [1, 2]);
  assert.equal(typeErrors.find((i) => i.event_count === 1)?.user_count, 1);
  const msg = issues.find((i) => i.title === 'Queue depth above 500 items');
  assert.equal(msg?.level, 'warning');
  const detail = await getJson<{ tags: { key: string; top_values: { value: string }[] }[] }>(
    t,
    `/api/issues/${typeErrors[0].id}`,
  );
  const release = detail.tags.find((tag) => tag.key === 'release');
  assert.equal(release?.top_values[0].value, 'shop@2.0.0');
  const releases = await getJson<{ data: { release: string; sessions: number }[] }>(
    t,
    '/api/projects/1/releases',
  );
  assert.ok(
    releases.data.some((r) => r.release === 'shop@2.0.0' && r.sessions >= 1),
    'sessions counted',
  );
});

test('sentry-python (Debian python3-sentry-sdk) groups same-line errors and splits the fingerprint', async () => {
  const port = new URL(t.url).port;
  await run('/usr/bin/python3', [join(dir, 'python_client.py'), `http://publickey@127.0.0.1:${port}/1`]);
  t.drain();
  const issues = await issuesOfPlatform('python');
  const valueErrors = issues.filter((i) => i.title.startsWith('ValueError'));
  assert.equal(valueErrors.length, 2, JSON.stringify(issues));
  assert.deepEqual(valueErrors.map((i) => i.event_count).sort(), [1, 2]);
  assert.match(valueErrors[0].culprit, /parse_quantity/);
  assert.ok(issues.some((i) => i.title === 'Disk usage above 91% on /data'));
  const events = await getJson<{ data: { event_id: string }[] }>(
    t,
    `/api/issues/${valueErrors[0].id}/events`,
  );
  const full = await getJson<{
    data: { exception: { values: { stacktrace: { frames: { vars?: object }[] } }[] } };
  }>(t, `/api/events/${events.data[0].event_id}`);
  const frames = full.data.exception.values[0].stacktrace.frames;
  assert.ok(
    frames.some((f) => f.vars),
    'python local variables are stored',
  );
});

async function issuesOfRelease(release: string): Promise<ApiIssue[]> {
  const { data } = await getJson<{ data: ApiIssue[] }>(t, `/api/issues?release=${release}&limit=100`);
  return data;
}

test('@sentry/node: errors in two anonymous callbacks of one file with different code are two issues', async () => {
  const port = new URL(t.url).port;
  await run(process.execPath, [join(dir, 'node_anonymous.cjs'), `http://publickey@127.0.0.1:${port}/1`], {
    NODE_PATH: NODE_MODULES,
  });
  t.drain();
  const issues = await issuesOfRelease('anon@1');
  assert.equal(issues.length, 2, JSON.stringify(issues));
  assert.deepEqual(
    issues.map((i) => i.event_count),
    [1, 1],
  );
  assert.ok(issues.every((i) => i.title.startsWith('SyntaxError')));
});

test('sentry-python: two module-level errors of one script on different lines are two issues', async () => {
  const port = new URL(t.url).port;
  await run('/usr/bin/python3', [
    join(dir, 'python_module_level.py'),
    `http://publickey@127.0.0.1:${port}/1`,
  ]);
  t.drain();
  const issues = await issuesOfRelease('modlevel@1');
  assert.equal(issues.length, 2, JSON.stringify(issues));
  assert.ok(issues.every((i) => i.title.startsWith('KeyError') && i.event_count === 1));
});
