import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, type HtmlValue, html, joinHtml, raw, safeLocalPath, safeUrl } from './html.js';

test('html escapes every interpolation in text and attributes', () => {
  const check = (value: HtmlValue, expected: string) =>
    assert.equal(html`<p title="${value}">${value}</p>`.value, `<p title="${expected}">${expected}</p>`);
  check('<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;');
  check('<img src=x onerror=alert(1)>', '&lt;img src&#61;x onerror&#61;alert(1)&gt;');
  check('" onmouseover="alert(1)', '&quot; onmouseover&#61;&quot;alert(1)');
  check("' onfocus='x", '&#39; onfocus&#61;&#39;x');
  check('`backtick`', '&#96;backtick&#96;');
  check('a & b', 'a &amp; b');
  check('&lt;already&gt;', '&amp;lt;already&amp;gt;');
  check(42, '42');
  check(0, '0');
  check(12n, '12');
  check(null, '');
  check(undefined, '');
  check(false, '');
  check(true, '');
  check('', '');
  check(['<a>', '<b>'], '&lt;a&gt;&lt;b&gt;');
  check([html`<i>ok</i>`, '<x>'], '<i>ok</i>&lt;x&gt;');
});

test('html keeps SafeHtml fragments and nested arrays as they are', () => {
  const items = ['x<y', 'z'].map((t) => html`<li>${t}</li>`);
  assert.equal(html`<ul>${items}</ul>`.value, '<ul><li>x&lt;y</li><li>z</li></ul>');
  assert.equal(html`${[[html`<b>`, ['<c>']]]}`.value, '<b>&lt;c&gt;');
  assert.equal(html`${raw('<hr>')}`.value, '<hr>');
  assert.equal(joinHtml(['a<', html`<br>`], ', ').value, 'a&lt;, <br>');
  assert.equal(String(html`<p>${'&'}</p>`), '<p>&amp;</p>');
});

test('escapeHtml leaves nothing that can end an unquoted attribute or open a tag', () => {
  const hostile = `"'<>=\` &`;
  assert.doesNotMatch(escapeHtml(hostile), /["'<>=`]/);
});

test('safeUrl lets relative and http(s) URLs through and refuses script schemes', () => {
  const check = (input: string | undefined, expected: string) =>
    assert.equal(safeUrl(input), expected, String(input));
  check('https://example.com/a?b=c', 'https://example.com/a?b=c');
  check('http://localhost:5011/?query=trace_id:abc', 'http://localhost:5011/?query=trace_id:abc');
  check('/issues/1', '/issues/1');
  check('?q=1', '?q=1');
  check('mailto:a@b.c', 'mailto:a@b.c');
  check('javascript:alert(1)', '#');
  check('JavaScript:alert(1)', '#');
  check(' javascript:alert(1)', '#');
  check('\u0001javascript:alert(1)', '#');
  check('java\tscript:alert(1)', '#');
  check('java\nscript:alert(1)', '#');
  check('data:text/html,<script>alert(1)</script>', '#');
  check('vbscript:msgbox(1)', '#');
  check('\\\\evil.example/x', '#');
  check('', '#');
  check(undefined, '#');
  // The html template still escapes what safeUrl lets through.
  assert.equal(
    html`<a href="${safeUrl('/a?x="><script>')}">`.value,
    '<a href="/a?x&#61;&quot;&gt;&lt;script&gt;">',
  );
});

test('safeLocalPath only allows same-origin paths', () => {
  const check = (input: string | undefined, expected: string) => assert.equal(safeLocalPath(input), expected);
  check('/explore?query=up', '/explore?query=up');
  check('//evil.example', '/');
  check('/\\evil.example', '/');
  check('https://evil.example', '/');
  check('javascript:alert(1)', '/');
  check('/a\nb', '/');
  check(undefined, '/');
});
