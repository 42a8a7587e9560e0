// Start-up checks of the scrape config that Prometheus 2.42 makes, with Debian's `promtool check
// config` as the oracle: the same configs refused, with its reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { parseScrapeConfig } from '../src/scrape/scrape-config.js';

const JOB = '  - job_name: t\n    static_configs: [{targets: ["127.0.0.1:5921"]}]\n';
const CONFIGS = [
  `global: {scrape_interval: 2s}\nscrape_configs:\n${JOB}    scrape_timeout: 5s\n`,
  `global: {scrape_interval: 2s}\nscrape_configs:\n${JOB}    scrape_timeout: 2s\n`,
  `global: {scrape_interval: 2s}\nscrape_configs:\n${JOB}`,
  `global: {scrape_interval: 2s, scrape_timeout: 3s}\nscrape_configs:\n${JOB}`,
  `global: {scrape_interval: 20s, scrape_timeout: 15s}\nscrape_configs:\n${JOB}    scrape_interval: 5s\n`,
  `scrape_configs:\n${JOB}    scrape_interval: 30s\n    scrape_timeout: 31s\n`,
];

/** Our reason for refusing `yaml`, or 'ok'. */
function ours(yaml: string): string {
  try {
    parseScrapeConfig(yaml);
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('scrape config checks as promtool check config makes them', {
  skip: !existsSync('/usr/bin/promtool') && 'no promtool',
}, () => {
  it(`${CONFIGS.length} configs: the same refused, for the same reason`, () => {
    const dir = makeTempDir('scrape-checks-');
    for (const [i, yaml] of CONFIGS.entries()) {
      const file = join(dir, `c${i}.yml`);
      writeFileSync(file, yaml);
      const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
      const reason = /FAILED: parsing YAML file [^:]+: (.*)/.exec(r.stderr)?.[1];
      assert.equal(ours(yaml), r.status === 0 ? 'ok' : reason, `${yaml}\n${r.stdout}${r.stderr}`);
    }
  });

  it('an unset timeout is 10 s, or the interval when shorter', () => {
    const timeouts = (yaml: string) => parseScrapeConfig(yaml).jobs.map((j) => j.timeoutMs);
    assert.deepEqual(timeouts(`global: {scrape_interval: 2s}\nscrape_configs:\n${JOB}`), [2000]);
    assert.deepEqual(timeouts(`scrape_configs:\n${JOB}`), [10_000]);
    assert.deepEqual(
      timeouts(`global: {scrape_timeout: 4s}\nscrape_configs:\n${JOB}    scrape_interval: 3s\n`),
      [3000],
    );
  });
});
