// The server-side scrubber on what a real SDK sends: Debian's sentry-python (/usr/bin/python3)
// sends a frame's local variables, a context and extra as they are; a card number, a database
// URL's password, a Bearer token and a PEM key in them never reach errors.db (Relay's value rules),
// nor does a context's api_key (the key rule), while the rest of the event stays readable.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { decompressPayload } from '../src/store/codec.js';
import { getJson, startTracker, type TrackerTest } from './helpers/server.js';

const PYTHON_CLIENT = `
import os, sys
import sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], release="shop@3.0.0", default_integrations=False)

def charge(order_id):
    # from the environment: a value written in the source would also be in the frame's context
    # lines, which Relay does not scrub (source code is not personal data)
    card = os.environ["CARD"]
    db_url = os.environ["DB_URL"]
    auth_header = os.environ["AUTH_HEADER"]
    key_pem = os.environ["KEY_PEM"]
    raise ValueError("card declined for order %d" % order_id)

sentry_sdk.set_context("billing", {"gateway": "acme", "api_key": os.environ["API_KEY"]})
sentry_sdk.set_extra("note", "customer SSN %s on file" % os.environ["SSN"])
try:
    charge(42)
except ValueError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(5)
`;

let t: TrackerTest;
let dir: string;
before(async () => {
  t = await startTracker();
  dir = makeTempDir('et-scrub-sdk-');
  writeFileSync(join(dir, 'client.py'), PYTHON_CLIENT);
});
after(async () => t.close());

test("sentry-python's frame vars, context and extra are stored scrubbed; the rest is kept", async () => {
  const port = new URL(t.url).port;
  await new Promise<void>((resolve, reject) =>
    execFile(
      '/usr/bin/python3',
      [join(dir, 'client.py'), `http://publickey@127.0.0.1:${port}/1`],
      {
        timeout: 30_000,
        env: {
          ...process.env,
          CARD: '4111 1111 1111 1111',
          DB_URL: 'postgres://shop:pw-sdk-9@db.internal/shop',
          AUTH_HEADER: 'Bearer tok-sdk-7',
          KEY_PEM: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END PRIVATE KEY-----',
          API_KEY: 'ak-sdk-3',
          SSN: '123-45-6789',
        },
      },
      (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  t.drain();
  const rows = t.db.prepare('SELECT event_id, payload FROM events').all() as {
    event_id: string;
    payload: Buffer;
  }[];
  assert.equal(rows.length, 1);
  const stored = decompressPayload(rows[0].payload);
  for (const secret of [
    '4111 1111 1111 1111',
    'pw-sdk-9',
    'tok-sdk-7',
    'MIIEvQIBADANBgkqhkiG9w0B',
    'ak-sdk-3',
    '123-45-6789',
  ])
    assert.ok(!stored.includes(secret), `${secret} reached the database`);
  const { data } = await getJson<{
    data: {
      exception: {
        values: {
          value: string;
          stacktrace: { frames: { function: string; vars?: Record<string, string> }[] };
        }[];
      };
      contexts: { billing: Record<string, string> };
      extra: Record<string, string>;
    };
  }>(t, `/api/events/${rows[0].event_id}`);
  const exception = data.exception.values[0];
  assert.equal(exception.value, 'card declined for order 42');
  const vars = exception.stacktrace.frames.find((f) => f.function === 'charge')?.vars;
  assert.ok(vars, 'the frame keeps its vars');
  assert.equal(vars.order_id, '42');
  assert.match(vars.card, /\[Filtered\]/);
  assert.match(vars.db_url, /postgres:\/\/shop:\[Filtered\]@db\.internal\/shop/);
  assert.match(vars.auth_header, /\[Filtered\]/);
  assert.match(vars.key_pem, /-----BEGIN PRIVATE KEY-----.*\[Filtered\].*-----END PRIVATE KEY-----/s);
  assert.deepEqual(data.contexts.billing, { gateway: 'acme', api_key: '[Filtered]' });
  assert.equal(data.extra.note, 'customer SSN [Filtered] on file');
});
