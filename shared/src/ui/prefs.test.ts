import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCUMENT_START, renderPage, withTheme } from './layout.js';
import { cookieValue, parseTheme, parseTimeZone, prefsCookie, THEME_COOKIE } from './prefs.js';

test('cookieValue() finds a cookie among others, and nothing in an absent or odd header', () => {
  const check = (header: string | undefined, expected: string | null) =>
    assert.equal(cookieValue(header, THEME_COOKIE), expected, String(header));
  check('flowrent_theme=dark', 'dark');
  check('a=1; flowrent_theme=light; b=2', 'light');
  check('flowrent_session_logs=abc;flowrent_theme=dark', 'dark');
  check('flowrent_theme=dark; flowrent_theme=light', 'dark');
  check('xflowrent_theme=dark', null);
  check('flowrent_theme', null);
  check('', null);
  check(undefined, null);
});

test('only our own words are choices: anything else is no choice', () => {
  assert.deepEqual(['dark', 'light', 'Dark', '', null, '"dark"'].map(parseTheme), [
    'dark',
    'light',
    null,
    null,
    null,
    null,
  ]);
  assert.deepEqual(['utc', 'local', 'UTC', undefined].map(parseTimeZone), ['utc', 'local', null, null]);
});

test('prefsCookie() is host-wide, Lax, a year long, and Secure behind HTTPS', () => {
  assert.equal(
    prefsCookie('flowrent_tz', 'utc', false),
    'flowrent_tz=utc; Path=/; Max-Age=31536000; SameSite=Lax',
  );
  assert.match(prefsCookie('flowrent_tz', 'utc', true), /; Secure$/);
});

test('withTheme() sets data-theme on the <html> of our pages and leaves anything else alone', () => {
  const page = renderPage({
    service: 'logs',
    title: 't',
    urls: { errors: 'http://e', logs: 'http://l', metrics: 'http://m' },
    body: 'b',
  }).value;
  assert.ok(page.startsWith(DOCUMENT_START));
  assert.ok(
    withTheme(page, 'dark').startsWith('<!doctype html>\n<html lang="en" data-theme="dark">\n<head>'),
  );
  assert.equal(withTheme(page, 'light').length, page.length + ' data-theme="light"'.length);
  assert.equal(withTheme('{"error":{}}', 'dark'), '{"error":{}}');
  assert.equal(
    withTheme('<p><!doctype html>\n<html lang="en"></p>', 'dark'),
    '<p><!doctype html>\n<html lang="en"></p>',
  );
});
