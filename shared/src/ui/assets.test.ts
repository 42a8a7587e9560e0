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
