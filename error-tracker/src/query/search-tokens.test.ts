import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatSearchKey,
  formatSearchValue,
  QuerySyntaxError,
  type SearchToken,
  tokenizeSearch,
  wildcardParts,
} from './search-tokens.js';

const text = (value: string, position: number): SearchToken => ({ kind: 'text', value, position });
const term = (
  key: string,
  values: string[],
  position: number,
  more: { list?: boolean; negated?: boolean; quotedKey?: boolean } = {},
) =>
  ({
    kind: 'term',
    key,
    quotedKey: more.quotedKey ?? false,
    values,
    position,
    list: more.list ?? false,
    negated: more.negated ?? false,
  }) as SearchToken;

test('tokenizeSearch() splits words, terms, quoted values, lists and negations', () => {
  const check = (query: string, expected: SearchToken[]) => assert.deepEqual(tokenizeSearch(query), expected);
  check('', []);
  check('   ', []);
  check('card declined', [text('card', 0), text('declined', 5)]);
  check('"card declined" x', [text('card declined', 0), text('x', 16)]);
  check('tenant:acme', [term('tenant', ['acme'], 0)]);
  check('browser:"Chrome 120"', [term('browser', ['Chrome 120'], 0)]);
  check('message:"card declined" level:error', [
    term('message', ['card declined'], 0),
    term('level', ['error'], 24),
  ]);
  check('k:"say \\"hi\\" \\\\ ok"', [term('k', ['say "hi" \\ ok'], 0)]);
  check('k:""', [term('k', [''], 0)]);
  check('!tenant:acme -browser:"Chrome 120"', [
    term('tenant', ['acme'], 0, { negated: true }),
    term('browser', ['Chrome 120'], 13, { negated: true }),
  ]);
  check('tenant:[a,b]', [term('tenant', ['a', 'b'], 0, { list: true })]);
  check('tenant:[ a , "b c" ,d]', [term('tenant', ['a', 'b c', 'd'], 0, { list: true })]);
  check('!has:user', [term('has', ['user'], 0, { negated: true })]);
  check('sentry.os:Linux user.id@x:7', [term('sentry.os', ['Linux'], 0), term('user.id@x', ['7'], 16)]);
  // Not terms: a bare key, a URL, a time, a leading colon, negation without a key, a mid-word quote.
  check('key: https://x/y 10:30 :x ! -word', [
    text('key:', 0),
    text('https://x/y', 5),
    text('10:30', 17),
    text(':x', 23),
    text('!', 26),
    text('-word', 28),
  ]);
  check('it"s k:a"b', [text('it"s', 0), term('k', ['a"b'], 5)]);
  // Quoted keys (spaces, colons, quotes) and keys of non-ASCII letters.
  const quoted = { quotedKey: true };
  check('"weird key":"v w" "k:colon":v:c', [
    term('weird key', ['v w'], 0, quoted),
    term('k:colon', ['v:c'], 18, quoted),
  ]);
  check('!"a b":x -"is":[p, q]', [
    term('a b', ['x'], 0, { ...quoted, negated: true }),
    term('is', ['p', 'q'], 9, { ...quoted, negated: true, list: true }),
  ]);
  check('"say \\"hi\\"":"" ü:ß', [term('say "hi"', [''], 0, quoted), term('ü', ['ß'], 16)]);
  check('-"not a key" x', [text('-"not', 0), text('a', 6), text('key"', 8), text('x', 13)]);
  // a lone quote after a sign is a word, as before quoted keys existed (not an unterminated quote)
  check('-"x !"y', [text('-"x', 0), text('!"y', 4)]);
  check('-"x\\"', [text('-"x\\"', 0)]);
});

test('tokenizeSearch() rejects malformed queries with the position of the fault', () => {
  const check = (query: string, message: RegExp, position: number) =>
    assert.throws(
      () => tokenizeSearch(query),
      (err: unknown) =>
        err instanceof QuerySyntaxError &&
        err.position === position &&
        message.test(err.message) &&
        err.message.endsWith(`at position ${position}`),
    );
  check('browser:"Chrome 120', /unterminated quote/, 8);
  check('a "card declined', /unterminated quote/, 2);
  check('k:"ends in escape\\"', /unterminated quote/, 2);
  check('k:[a, "b]', /unterminated quote/, 6);
  check('k:[a, b', /unterminated list/, 2);
  check('k:[a b]', /expected ',' or ']'/, 5);
  check('k:[a,,b]', /expected a value/, 5);
  check('k:[]', /expected a value/, 3);
  check('k:"a"b', /expected a space after the closing quote/, 5);
  check('"a"b', /expected a space after the closing quote/, 3);
  check('k:[a]b', /expected a space/, 5);
  check('"a b": x', /expected a value after the quoted key/, 6);
  check('"a b":', /expected a value after the quoted key/, 6);
});

test('formatSearchValue() writes any tag value so that the search reads it back as that value, no wildcard', () => {
  const check = (value: string, written: string) => {
    assert.equal(formatSearchValue(value), written);
    const tokens = tokenizeSearch(`k:${written} x`);
    assert.deepEqual(tokens[1], text('x', 3 + written.length));
    assert.deepEqual(wildcardParts((tokens[0] as { values: string[] }).values[0]), [value]);
  };
  check('acme', 'acme');
  check('Chrome 120', '"Chrome 120"');
  check('say "hi"', '"say \\"hi\\""');
  check('C:\\tmp', '"C:\\\\tmp"');
  check('', '""');
  check('[a,b]', '"[a,b]"');
  check('"', '"\\""');
  check('a:b-c.d@e', 'a:b-c.d@e');
  check('a*b', 'a\\*b');
  check('x\\*', '"x\\\\\\*"');
  check('C:\\dir\\*', '"C:\\\\dir\\\\\\*"');
});

test('tokenizeSearch() keeps a backslash inside quotes unless it escapes " or \\ (Sentry keeps it)', () => {
  const check = (query: string, value: string) =>
    assert.deepEqual(tokenizeSearch(query), [term('k', [value], 0)]);
  check('k:"C:\\dir\\file"', 'C:\\dir\\file');
  check('k:"DOMAIN\\user"', 'DOMAIN\\user');
  check('k:"\\d{3}"', '\\d{3}');
  check('k:"a\\\\b"', 'a\\b');
  check('k:"a\\"b"', 'a"b');
  check('k:"a\\*"', 'a\\*');
});

test('wildcardParts() splits a value at * and reads \\* as an asterisk', () => {
  const check = (value: string, parts: string[]) => assert.deepEqual(wildcardParts(value), parts);
  check('acme', ['acme']);
  check('acm*', ['acm', '']);
  check('*pager*', ['', 'pager', '']);
  check('app@1.*', ['app@1.', '']);
  check('a\\*b', ['a*b']);
  check('a\\**', ['a*', '']);
  check('C:\\dir', ['C:\\dir']);
});

test('formatSearchKey() writes any tag key so that tokenizeSearch() reads it back whole', () => {
  const check = (key: string, written: string, quotedKey = written.startsWith('"')) => {
    assert.equal(formatSearchKey(key, quotedKey && /^[\p{L}_][\p{L}\p{N}_.@-]*$/u.test(key)), written);
    assert.deepEqual(tokenizeSearch(`${written}:v`), [term(key, ['v'], 0, { quotedKey })]);
  };
  check('tenant', 'tenant');
  check('sentry.os', 'sentry.os');
  check('ü', 'ü');
  check('weird key', '"weird key"');
  check('k:colon', '"k:colon"');
  check('say "hi" \\', '"say \\"hi\\" \\\\"');
  check('', '""');
  check('1st', '"1st"');
  check('is', '"is"'); // asked to quote: a built-in name kept as a tag key
});
