// A file_sd file that cannot be parsed (half written by the tool that makes it) keeps the targets it
// last had, and the failure is reported and counted, as in Prometheus 2.42's file discovery; before,
// its targets vanished silently, their series went stale and an `up == 0` alert could not fire
// (black-box finding 3). A file that is gone takes its targets with it.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { parseScrapeConfig } from '../src/scrape/scrape-config.js';
import { ScrapeManager } from '../src/scrape/scrape-manager.js';
import { openStore } from './store-helpers.js';

test('a file_sd file that stops parsing keeps its last targets, and the error is reported and counted', async () => {
  const dir = makeTempDir('file-sd-errors-');
  const file = join(dir, 'targets.json');
  writeFileSync(file, JSON.stringify([{ targets: ['127.0.0.1:9'], labels: { team: 'a' } }]));
  const s = openStore();
  const errors: string[] = [];
  const config = parseScrapeConfig(
    'scrape_configs:\n  - job_name: filesd\n    file_sd_configs: [{files: ["*.json"]}]\n',
    dir,
  );
  const m = new ScrapeManager({
    config,
    store: s.store,
    clock: () => 0,
    onFileSdError: (path) => errors.push(path),
  });
  const [job] = config.jobs;
  const listed = () => m.resolveTargets(job).map((t) => [t.url, Object.fromEntries(t.labels)]);
  const first = listed();
  assert.deepEqual(first, [
    ['http://127.0.0.1:9/metrics', { instance: '127.0.0.1:9', job: 'filesd', team: 'a' }],
  ]);
  writeFileSync(file, '[{"targets":["127.0.0.1:9"');
  assert.deepEqual(listed(), first);
  assert.deepEqual(errors, [file]);
  assert.equal(m.stats.fileSdReadErrors, 1);
  // Fixed: the new contents; gone: no targets.
  writeFileSync(file, JSON.stringify([{ targets: ['127.0.0.1:10'] }]));
  assert.deepEqual(listed(), [['http://127.0.0.1:10/metrics', { instance: '127.0.0.1:10', job: 'filesd' }]]);
  rmSync(file);
  assert.deepEqual(listed(), []);
  await s.close();
});
