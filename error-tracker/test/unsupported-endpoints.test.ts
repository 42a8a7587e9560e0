// Sentry endpoints the tracker does not serve (a CSP report-uri, a native SDK's minidump upload)
// and the wrong method on envelope/ or store/ once answered "401 missing API key" to an SDK holding
// a valid DSN key (the admin check, black-box 10 #7). Over real HTTP: a 404 / 405 whose
// X-Sentry-Error names what is not served, with CORS, before any body is read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const KEY = '?sentry_key=publickey';
const cspReport = JSON.stringify({
  'csp-report': { 'document-uri': 'http://app.test/', 'violated-directive': 'script-src' },
});

const cases: [string, string, string, Record<string, string>, string | Buffer | undefined, number, RegExp][] =
  [
    [
      'a CSP report to security/',
      'POST',
      `/api/1/security/${KEY}`,
      { 'content-type': 'application/csp-report' },
      cspReport,
      404,
      /security reports .* not supported/,
    ],
    [
      'a CSP report to csp-report/',
      'POST',
      `/api/1/csp-report/${KEY}`,
      { 'content-type': 'application/csp-report' },
      cspReport,
      404,
      /CSP reports are not supported/,
    ],
    [
      // larger than the 1 MiB limit of JSON routes: refused before the body is read, not a 413
      'a 2 MiB minidump without the trailing slash',
      'POST',
      `/api/1/minidump${KEY}`,
      { 'content-type': 'multipart/form-data; boundary=x' },
      Buffer.alloc(2 * 1024 * 1024, 7),
      404,
      /minidump uploads are not supported/,
    ],
    [
      'an attachment upload',
      'POST',
      `/api/1/events/0123456789abcdef0123456789abcdef/attachments/${KEY}`,
      {},
      'bytes',
      404,
      /attachment uploads/,
    ],
    [
      'GET on envelope/',
      'GET',
      `/api/1/envelope/${KEY}`,
      {},
      undefined,
      405,
      /GET is not allowed on \/envelope\//,
    ],
    [
      'GET on store/ (the image beacon)',
      'GET',
      `/api/1/store/${KEY}&sentry_data=%7B%7D`,
      {},
      undefined,
      405,
      /image beacon/,
    ],
    [
      'PUT on store without the slash',
      'PUT',
      `/api/1/store${KEY}`,
      {},
      '{}',
      405,
      /PUT is not allowed on \/store\//,
    ],
  ];

for (const [name, method, path, headers, body, status, message] of cases) {
  test(`${name} answers ${status} with X-Sentry-Error naming it, not 401`, async () => {
    const res = await send(`${t.url}${path}`, { method, headers, body });
    assert.equal(res.status, status, res.body);
    assert.match(String(res.headers['x-sentry-error']), message);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    if (status === 405) assert.equal(res.headers.allow, 'POST, OPTIONS');
  });
}

test('the served routes are unchanged: POST envelope/ takes events, admin routes still need the key', async () => {
  const envelope = `{}\n{"type":"event"}\n${JSON.stringify({ message: 'still served' })}\n`;
  const ok = await send(`${t.url}/api/1/envelope/${KEY}`, { body: envelope });
  assert.equal(ok.status, 200, ok.body);
  const admin = await send(`${t.url}/api/issues`, { method: 'GET' });
  assert.equal(admin.status, 401);
  const adminSecurity = await send(`${t.url}/api/projects/security/`, { method: 'GET' });
  assert.equal(adminSecurity.status, 404, 'a non-numeric project is no Sentry endpoint');
  assert.doesNotMatch(String(adminSecurity.headers['x-sentry-error']), /not supported/);
});
