import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import { makeTempDir } from '../testing.js';
import { registerAssetRoute } from './assets.js';

const dir = makeTempDir('ui-assets-');
after(() => rmSync(dir, { recursive: true, force: true }));

test('built assets are served from the bundle directory, gzipped when the client accepts it', async () => {
  const out = join(dir, 'dist', 'ui', 'assets');
  mkdirSync(out, { recursive: true });
  const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;
  writeFileSync(join(out, 'app.js'), js);
  writeFileSync(join(out, 'notes.txt'), 'not served');
  const app = Fastify();
  registerAssetRoute(app, { workspaceDir: dir, mode: 'built' });
  const plain = await app.inject({ url: '/assets/app.js' });
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.body, js);
  assert.equal(plain.headers['x-content-type-options'], 'nosniff');
  const zipped = await app.inject({ url: '/assets/app.js', headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(zipped.rawPayload).toString(), js);
  assert.ok(zipped.rawPayload.length < js.length / 4);
  assert.equal((await app.inject({ url: '/assets/notes.txt' })).statusCode, 404);
  await app.close();
});

test('built assets are read on their first request, and only names listed in the bundle directory', async () => {
  const out = join(dir, 'lazy', 'dist', 'ui', 'assets');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'page.js'), 'first();');
  writeFileSync(join(out, 'page.js.map'), '{"v":1}');
  writeFileSync(join(dir, 'lazy', 'dist', 'ui', 'secret.js'), 'secret();');
  const app = Fastify();
  registerAssetRoute(app, { workspaceDir: join(dir, 'lazy'), mode: 'built' });
  assert.equal((await app.inject({ url: '/assets/page.js' })).body, 'first();');
  // Not read by the first request: the map's current contents are what the second one gets.
  writeFileSync(join(out, 'page.js.map'), '{"v":2}');
  assert.equal((await app.inject({ url: '/assets/page.js.map' })).body, '{"v":2}');
  // Read once, then kept.
  writeFileSync(join(out, 'page.js'), 'second();');
  assert.equal((await app.inject({ url: '/assets/page.js' })).body, 'first();');
  assert.equal((await app.inject({ url: '/assets/..%2Fsecret.js' })).statusCode, 404);
  await app.close();
});
