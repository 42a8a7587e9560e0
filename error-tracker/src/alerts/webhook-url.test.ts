import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactWebhookUrl, webhookRequest } from './webhook-url.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

test('webhookRequest() moves the userinfo of a URL into a Basic Authorization header', () => {
  const check = (configured: string, url: string, authorization?: string) =>
    assert.deepEqual(
      webhookRequest(configured),
      authorization ? { url, authorization } : { url },
      configured,
    );
  check(
    'http://hookuser:hookpass@127.0.0.1:5952/ok/creds',
    'http://127.0.0.1:5952/ok/creds',
    basic('hookuser:hookpass'),
  );
  check('https://u@hooks.example/x?a=1', 'https://hooks.example/x?a=1', basic('u:'));
  check('https://:token@hooks.example/', 'https://hooks.example/', basic(':token'));
  check('https://a%40b:p%3Aw%25d@h.example/', 'https://h.example/', basic('a@b:p:w%d'));
  check('https://caf%C3%A9:%E2%82%AC@h.example/', 'https://h.example/', basic('café:€'));
  check('https://hooks.example/services/T/B/X', 'https://hooks.example/services/T/B/X');
  check('http://[bad', 'http://[bad');
});

test('redactWebhookUrl() masks a password and keeps everything else', () => {
  const check = (configured: string, shown: string) =>
    assert.equal(redactWebhookUrl(configured), shown, configured);
  check('http://hookuser:hookpass@127.0.0.1:5952/ok/creds', 'http://hookuser:***@127.0.0.1:5952/ok/creds');
  check('https://u@hooks.example/x?a=1', 'https://u@hooks.example/x?a=1');
  check('https://hooks.example/services/T/B/X', 'https://hooks.example/services/T/B/X');
  check('http://[bad', 'http://[bad');
});
