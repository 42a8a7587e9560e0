import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUserAgent, type UserAgentContexts } from './user-agent.js';

// Real User-Agent strings (each browser's current release, as sent in 2024-2026)
test('parseUserAgent() reads browser, os and device as ua-parser names them', () => {
  const check = (ua: string, expected: UserAgentContexts) => assert.deepEqual(parseUserAgent(ua), expected);
  check(
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    {
      browser: { name: 'Chrome', version: '120.0.0' },
      os: { name: 'Linux' },
    },
  );
  check(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
    { browser: { name: 'Edge', version: '131.0.2903' }, os: { name: 'Windows', version: '10' } },
  );
  check('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', {
    browser: { name: 'Firefox', version: '133.0' },
    os: { name: 'Windows', version: '10' },
  });
  check(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
    {
      browser: { name: 'Safari', version: '17.6' },
      os: { name: 'Mac OS X', version: '10.15.7' },
      device: { family: 'Mac', model: 'Mac', brand: 'Apple' },
    },
  );
  check(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1',
    {
      browser: { name: 'Mobile Safari', version: '17.1.2' },
      os: { name: 'iOS', version: '17.1.2' },
      device: { family: 'iPhone', model: 'iPhone', brand: 'Apple' },
    },
  );
  check(
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
    {
      browser: { name: 'Chrome Mobile iOS', version: '120.0.6099' },
      os: { name: 'iOS', version: '16.6' },
      device: { family: 'iPad', model: 'iPad', brand: 'Apple' },
    },
  );
  check(
    'Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Mobile Safari/537.36',
    {
      browser: { name: 'Chrome Mobile', version: '112.0.0' },
      os: { name: 'Android', version: '13' },
      device: { family: 'Samsung SM-S901B', model: 'SM-S901B', brand: 'Samsung' },
    },
  );
  check(
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/121.0.6167.101 Mobile Safari/537.36',
    {
      browser: { name: 'Chrome Mobile WebView', version: '121.0.6167' },
      os: { name: 'Android', version: '14' },
      device: { family: 'Pixel 8', model: 'Pixel 8', brand: 'Google' },
    },
  );
  check('Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0', {
    browser: { name: 'Firefox Mobile', version: '133.0' },
    os: { name: 'Android', version: '14' },
  });
  check(
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    { browser: { name: 'Chrome Mobile', version: '131.0.0' }, os: { name: 'Android', version: '10' } },
  );
  check('Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko', {
    browser: { name: 'IE', version: '11.0' },
    os: { name: 'Windows', version: '7' },
  });
  check('bench/1.0', {});
  check('python-requests/2.31.0', {});
  check('', {});
  check(`Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 ${'x'.repeat(600)}`, {});
});
