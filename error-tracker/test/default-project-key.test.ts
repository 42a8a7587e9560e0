// DEFAULT_PROJECT_KEY once took any string, so the tracker printed DSNs the SDKs refuse
// (@sentry/node: "Invalid Sentry Dsn" for `my-key-1`, then it sends nothing) or a one-letter key
// anyone could guess (black-box 10 #21). Now the real binary refuses to start (exit 2, naming the
// variable) unless @sentry/core's own DSN parser takes the key, and the key has 8 characters at least.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@flowrent/shared/config';
import { makeDsn } from '@sentry/core';
import { configTable } from '../src/config.js';

const load = (key: string) => loadConfig(configTable, { API_KEY: 'k'.repeat(32), DEFAULT_PROJECT_KEY: key });
const sdkTakes = (key: string) => makeDsn(`http://${key}@127.0.0.1:5010/1`)?.publicKey === key;

const refused: [string, boolean][] = [
  // [key, whether @sentry/core would parse a DSN with it]
  ['my-key-1', false],
  ['has space', false],
  ['x/y@z', false],
  ['ключ12345', false],
  ['a', true],
  ['abc1234', true],
  ['k'.repeat(65), true],
];
for (const [key, parses] of refused) {
  test(`DEFAULT_PROJECT_KEY=${JSON.stringify(key.slice(0, 20))} is a configuration error`, () => {
    assert.equal(sdkTakes(key), parses);
    assert.throws(
      () => load(key),
      (err) => err instanceof ConfigError && /DEFAULT_PROJECT_KEY/.test(err.message),
    );
  });
}

for (const key of ['publickey', '0123456789abcdef0123456789abcdef', 'Team_Key_2026']) {
  test(`DEFAULT_PROJECT_KEY=${key} is taken, and @sentry/core parses its DSN`, () => {
    assert.equal(load(key).DEFAULT_PROJECT_KEY, key);
    assert.ok(sdkTakes(key));
  });
}

test('the real binary exits 2 naming DEFAULT_PROJECT_KEY, before it creates a database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'et-key-'));
  try {
    const main = new URL('../src/main.ts', import.meta.url).pathname;
    const run = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', main], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: '0',
        API_KEY: 'k'.repeat(32),
        DEFAULT_PROJECT_KEY: 'my-key-1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /DEFAULT_PROJECT_KEY/);
    assert.deepEqual(readdirSync(dataDir), []);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
