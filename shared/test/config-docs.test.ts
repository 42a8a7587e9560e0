// Every setting a service reads is documented: the shared ones in the root README, the service's
// own in its README, so an operator never meets a variable the docs do not name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { baseConfig } from '../src/config.js';

const root = new URL('../../', import.meta.url);

for (const svc of ['error-tracker', 'log-viewer', 'metrics-collector']) {
  test(`${svc}/README.md documents every setting of its config table`, async () => {
    const { configTable } = await import(new URL(`${svc}/src/config.ts`, root).href);
    const readme = readFileSync(new URL(`${svc}/README.md`, root), 'utf8');
    const missing = Object.keys(configTable).filter((key) => !(key in baseConfig) && !readme.includes(key));
    assert.deepEqual(missing, [], `${svc}/README.md does not mention ${missing.join(', ')}`);
  });
}

test('the root README documents every shared setting', () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const missing = Object.keys(baseConfig).filter((key) => !readme.includes(`\`${key}\``));
  assert.deepEqual(missing, []);
});
