// SCRAPE_CONFIG file paths as Prometheus 2.42 resolves them (config.SetDirectory: a relative path
// is joined onto the config file's folder, an absolute one is kept): absolute file_sd patterns and
// credentials files (Docker's /run/secrets/..., /etc/prometheus/targets/*.json) were joined onto
// the folder, so file_sd found no targets and a credentials file crashed the start with a raw
// ENOENT stack. promtool (Debian's prometheus 2.42) accepts the same files. Black-box finding 7.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import {
  parseScrapeConfig,
  readFileSd,
  ScrapeConfigError,
  scrapeCredentials,
} from '../src/scrape/scrape-config.js';
import { startCollector } from './ingest-helpers.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

function files(): { configDir: string; elsewhere: string } {
  const configDir = makeTempDir('scrape-cfg-');
  const elsewhere = makeTempDir('scrape-abs-');
  writeFileSync(
    join(elsewhere, 'sd-1.json'),
    JSON.stringify([{ targets: ['127.0.0.1:9'], labels: { via: 'file' } }]),
  );
  writeFileSync(join(elsewhere, 'token'), 'sesame\n');
  writeFileSync(join(configDir, 'pass'), 'secret\n');
  return { configDir, elsewhere };
}

test('absolute file_sd patterns and credentials files are kept; relative ones are read from the config folder', () => {
  const { configDir, elsewhere } = files();
  const yaml = `
scrape_configs:
  - job_name: filesd
    bearer_token_file: ${join(elsewhere, 'token')}
    file_sd_configs: [{files: ['${join(elsewhere, 'sd-*.json')}']}]
  - job_name: rel
    basic_auth: {username: u, password_file: pass}
    static_configs: [{targets: ['127.0.0.1:9']}]
`;
  const file = join(configDir, 'scrape.yml');
  writeFileSync(file, yaml);
  if (promtool) assert.equal(spawnSync('promtool', ['check', 'config', file]).status, 0);
  const [filesd, rel] = parseScrapeConfig(yaml, configDir).jobs;
  assert.equal(filesd.bearerToken, 'sesame');
  assert.deepEqual(filesd.fileSdFiles, [join(elsewhere, 'sd-*.json')]);
  assert.deepEqual(readFileSd(filesd.fileSdFiles), [{ targets: ['127.0.0.1:9'], labels: { via: 'file' } }]);
  assert.deepEqual(scrapeCredentials(rel).basicAuth, { username: 'u', password: 'secret' });
});

test('a credentials file that cannot be read is a ScrapeConfigError naming the job, the key and the file', () => {
  const { configDir } = files();
  const missing = join(configDir, 'nope', 'token');
  assert.throws(
    () =>
      parseScrapeConfig(
        `scrape_configs: [{job_name: tok, bearer_token_file: ${missing}, static_configs: [{targets: ['127.0.0.1:9']}]}]`,
        configDir,
      ),
    (err: unknown) =>
      err instanceof ScrapeConfigError &&
      err.message === `job tok: bearer_token_file ${missing} cannot be read (ENOENT)`,
  );
});

test('the collector on loopback lists the targets of an absolute file_sd pattern', async () => {
  const { configDir, elsewhere } = files();
  const config = join(configDir, 'scrape.yml');
  writeFileSync(
    config,
    `scrape_configs: [{job_name: filesd, file_sd_configs: [{files: ['${join(elsewhere, 'sd-*.json')}']}]}]\n`,
  );
  const t = await startCollector({ SCRAPE_CONFIG: config });
  try {
    const r = await fetch(`${t.url}/api/v1/targets`, { headers: t.adminHeaders });
    const body = (await r.json()) as {
      data: { activeTargets: Array<{ scrapePool: string; labels: Record<string, string> }> };
    };
    assert.deepEqual(
      body.data.activeTargets.map((x) => [x.scrapePool, x.labels.via]),
      [['filesd', 'file']],
    );
  } finally {
    await t.close();
  }
});

test('a start with an unreadable credentials file ends with one configuration error line and exit code 2', () => {
  const { configDir } = files();
  const config = join(configDir, 'scrape.yml');
  writeFileSync(
    config,
    `scrape_configs: [{job_name: tok, bearer_token_file: /nonexistent/token, static_configs: [{targets: ['127.0.0.1:9']}]}]\n`,
  );
  const main = decodeURIComponent(new URL('../src/main.ts', import.meta.url).pathname);
  const run = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', main], {
    env: {
      PATH: process.env.PATH,
      API_KEY: 'k'.repeat(32),
      HOST: '127.0.0.1',
      PORT: '0',
      STATSD_PORT: '0',
      DATA_DIR: makeTempDir('scrape-cfg-data-'),
      SCRAPE_CONFIG: config,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 2, run.stderr);
  assert.match(
    run.stderr,
    /^metrics-collector: configuration error: SCRAPE_CONFIG: job tok: bearer_token_file \/nonexistent\/token cannot be read \(ENOENT\)$/m,
  );
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('a SCRAPE_CONFIG file that does not exist is a ScrapeConfigError naming it', async () => {
  const missing = join(makeTempDir('scrape-cfg-'), 'nope.yml');
  await assert.rejects(
    startCollector({ SCRAPE_CONFIG: missing }),
    (err: unknown) =>
      err instanceof ScrapeConfigError && err.message === `${missing} cannot be read (ENOENT)`,
  );
});
