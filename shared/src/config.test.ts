import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  baseConfig,
  ConfigError,
  defineConfig,
  describeConfig,
  loadConfig,
  parsers,
  setting,
} from './config.js';

const table = defineConfig({
  ...baseConfig,
  MAX_EVENTS: setting(parsers.integer(1), 100, 'events kept per issue'),
  RETENTION: setting(parsers.duration, 86_400_000, 'how long events are kept'),
  MAX_SIZE: setting(parsers.bytes, 1024, 'size cap (bytes)'),
});

test('loadConfig() applies defaults and parses values', () => {
  const config = loadConfig(table, { PORT: '5010', RETENTION: '7d', MAX_SIZE: '10MB', DEV_MODE: 'true' });
  assert.equal(config.PORT, 5010);
  assert.equal(config.RETENTION, 7 * 86_400_000);
  assert.equal(config.MAX_SIZE, 10 * 1024 * 1024);
  assert.equal(config.MAX_EVENTS, 100);
  assert.equal(config.DEV_MODE, true);
  assert.equal(config.ERROR_TRACKER_URL, 'http://localhost:5010');
  assert.ok(Object.isFrozen(config));
});

test('loadConfig() names the bad variable', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT: invalid value "eighty": expected an integer/],
    [{ PORT: '70000' }, /^PORT: .*from 0 to 65535/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: .*expected one of/],
    [{ RETENTION: '3 weeks' }, /^RETENTION: .*duration/],
    [{ ERROR_TRACKER_URL: 'ftp://x' }, /^ERROR_TRACKER_URL: /],
    [{ DEV_MODE: 'maybe' }, /^DEV_MODE: .*true or false/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(table, env),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );
  }
});

test('a setting without a default is required', () => {
  const required = defineConfig({ TOKEN: setting(parsers.string, undefined, 'needed') });
  assert.throws(() => loadConfig(required, {}), { message: 'TOKEN: is required (needed)' });
});

test('describeConfig() writes each default the way it is set back (durations with units)', () => {
  const lines = describeConfig(table).split('\n');
  assert.equal(lines.length, Object.keys(table).length);
  assert.ok(lines.includes('RETENTION=1d  how long events are kept'));
  assert.ok(lines.includes('SHUTDOWN_TIMEOUT=10s  how long in-flight requests may finish on SIGTERM'));
  assert.ok(lines.includes('MAX_EVENTS=100  events kept per issue'));
  // What it prints must parse back to the same value.
  const reread = loadConfig(table, { RETENTION: '1d', SHUTDOWN_TIMEOUT: '10s' });
  assert.equal(reread.RETENTION, table.RETENTION.default);
  assert.equal(reread.SHUTDOWN_TIMEOUT, baseConfig.SHUTDOWN_TIMEOUT.default);
});

test('parsers.durationOrZero takes 0 as "off" and anything else as a duration', () => {
  assert.equal(parsers.durationOrZero('0'), 0);
  assert.equal(parsers.durationOrZero(' 0 '), 0);
  assert.equal(parsers.durationOrZero('7d'), 7 * 86_400_000);
  assert.equal(parsers.durationOrZero('30'), 30_000);
  assert.throws(() => parsers.durationOrZero('-1'), /expected a duration/);
  assert.throws(() => parsers.duration('0'), /expected a duration/);
  const off = defineConfig({ KEEP: setting(parsers.durationOrZero, 0, 'how long to keep') });
  assert.equal(describeConfig(off), 'KEEP=0  how long to keep');
});

test("API_KEY refuses deploy/secrets.env.example's placeholders, naming the variable", () => {
  const example = readFileSync(new URL('../../deploy/secrets.env.example', import.meta.url), 'utf8');
  const placeholders = [...example.matchAll(/^\w+_API_KEY=(\S+)$/gm)].map((m) => m[1]);
  assert.equal(placeholders.length, 3);
  for (const key of placeholders)
    assert.throws(() => loadConfig(table, { API_KEY: key }), {
      message: /^API_KEY: invalid value .*placeholder/,
    });
  assert.equal(
    loadConfig(table, { API_KEY: 'change-meaning-of-life-0123' }).API_KEY,
    'change-meaning-of-life-0123',
  );
});
