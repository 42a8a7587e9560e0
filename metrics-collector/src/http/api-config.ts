// /api/v1/status/config: the loaded configuration as Prometheus 2.42 prints its own
// ({"yaml": "..."}): the scrape config with Prometheus' defaults filled in and its field order
// (config.ScrapeConfig, common's HTTPClientConfig, relabel.Config), secrets as <secret>, file
// paths joined to the config's folder, bearer_token written as `authorization` (2.42 converts it),
// plus the rule files and the rule evaluation interval in `global`. Without SCRAPE_CONFIG, the
// three FlowRent jobs the collector scrapes by default.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config.js';
import { parseYaml } from '../lazy-deps.js';
import { formatDurationMs, parseDurationMs } from '../promql/literals.js';
import type { RelabelRule } from '../scrape/relabel.js';
import { parseScrapeConfig, type ScrapeJob } from '../scrape/scrape-config.js';
import { compareYamlKeys, type YamlNode, yamlDocument } from './api-config-yaml.js';
import { loadScrapeConfig } from './ingest-setup.js';

export interface ConfigSource {
  /** The scrape config file's text as read at start, and its path; absent: the default jobs. */
  scrapeFile?: { path: string; text: string };
  defaultJobs: () => ScrapeJob[];
  /** The default scrape interval (SCRAPE_INTERVAL) when no file is given. */
  scrapeIntervalMs: number;
  evaluationIntervalMs: number;
  ruleFiles: string[];
}

/** What the config page shows of `config`, read now (at start, with the scrape config itself). */
export function configSource(config: Config): ConfigSource {
  const path = config.SCRAPE_CONFIG;
  return {
    scrapeFile: path ? { path, text: readFileSync(path, 'utf8') } : undefined,
    defaultJobs: () => loadScrapeConfig(config).jobs,
    scrapeIntervalMs: config.SCRAPE_INTERVAL,
    evaluationIntervalMs: config.RULE_EVALUATION_INTERVAL,
    ruleFiles: config.RULE_FILES.split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const duration = (ms: number) => formatDurationMs(ms);
const entries = (list: Array<[string, YamlNode] | false | undefined | '' | 0>) => ({
  map: list.filter((e): e is [string, YamlNode] => Array.isArray(e)),
});
const sortedMap = (o: Record<string, YamlNode>) => ({
  map: Object.keys(o)
    .sort(compareYamlKeys)
    .map((k): [string, YamlNode] => [k, o[k]]),
});

/** Prometheus' default file_sd refresh_interval. */
const FILE_SD_REFRESH_MS = 300_000;

export function statusConfigYaml(src: ConfigSource): string {
  const raw = src.scrapeFile ? parseYaml(src.scrapeFile.text) : undefined;
  const doc = isObj(raw) ? raw : {};
  const global = isObj(doc.global) ? doc.global : {};
  const globalMs = (key: string, dflt: number) =>
    typeof global[key] === 'string' ? (parseDurationMs(global[key]) ?? dflt) : dflt;
  const interval = src.scrapeFile ? globalMs('scrape_interval', 60_000) : src.scrapeIntervalMs;
  const baseDir = src.scrapeFile ? dirname(src.scrapeFile.path) : '.';
  const jobs = src.scrapeFile ? parseScrapeConfig(src.scrapeFile.text, baseDir).jobs : src.defaultJobs();
  const rawJobs = Array.isArray(doc.scrape_configs) ? doc.scrape_configs : [];
  const top = entries([
    [
      'global',
      entries([
        ['scrape_interval', duration(interval)],
        ['scrape_timeout', duration(Math.min(globalMs('scrape_timeout', 10_000), interval))],
        ['evaluation_interval', duration(src.evaluationIntervalMs)],
      ]),
    ],
    src.ruleFiles.length > 0 && ['rule_files', { seq: src.ruleFiles.map((f) => resolve(f)) }],
    jobs.length > 0 && [
      'scrape_configs',
      { seq: jobs.map((j, i) => jobNode(j, isObj(rawJobs[i]) ? rawJobs[i] : {}, baseDir)) },
    ],
  ]);
  return yamlDocument(top);
}

function jobNode(j: ScrapeJob, raw: Obj, baseDir: string): YamlNode {
  const path = (v: unknown) => resolve(baseDir, String(v));
  const auth = isObj(raw.authorization) ? raw.authorization : {};
  const basic = isObj(raw.basic_auth) ? raw.basic_auth : undefined;
  const credentialsFile = auth.credentials_file ?? raw.bearer_token_file;
  const params = Object.fromEntries(Object.entries(j.params).map(([k, v]) => [k, { seq: v }]));
  return entries([
    ['job_name', j.jobName],
    j.honorLabels && ['honor_labels', true],
    ['honor_timestamps', j.honorTimestamps],
    Object.keys(params).length > 0 && ['params', sortedMap(params)],
    ['scrape_interval', duration(j.intervalMs)],
    ['scrape_timeout', duration(j.timeoutMs)],
    ['metrics_path', j.metricsPath],
    ['scheme', j.scheme],
    basic !== undefined && [
      'basic_auth',
      entries([
        ['username', String(basic.username ?? '')],
        j.basicAuth?.password && basic.password !== undefined && ['password', '<secret>'],
        basic.password_file !== undefined && ['password_file', path(basic.password_file)],
      ]),
    ],
    (j.bearerToken !== undefined || credentialsFile !== undefined) && [
      'authorization',
      entries([
        ['type', typeof auth.type === 'string' ? auth.type : 'Bearer'],
        credentialsFile === undefined && ['credentials', '<secret>'],
        credentialsFile !== undefined && ['credentials_file', path(credentialsFile)],
      ]),
    ],
    ['follow_redirects', true],
    ['enable_http2', true],
    j.relabelConfigs?.length && ['relabel_configs', { seq: j.relabelConfigs.map(ruleNode) }],
    j.metricRelabelConfigs?.length && [
      'metric_relabel_configs',
      { seq: j.metricRelabelConfigs.map(ruleNode) },
    ],
    Array.isArray(raw.file_sd_configs) && [
      'file_sd_configs',
      { seq: raw.file_sd_configs.map(fileSdNode(path)) },
    ],
    j.staticConfigs.length > 0 && [
      'static_configs',
      {
        seq: j.staticConfigs.map((g) =>
          entries([
            ['targets', { seq: g.targets }],
            Object.keys(g.labels).length > 0 && ['labels', sortedMap(g.labels)],
          ]),
        ),
      },
    ],
  ]);
}

const fileSdNode =
  (path: (v: unknown) => string) =>
  (sd: unknown): YamlNode => {
    const o = isObj(sd) ? sd : {};
    const refresh = typeof o.refresh_interval === 'string' ? parseDurationMs(o.refresh_interval) : undefined;
    return entries([
      ['files', { seq: (Array.isArray(o.files) ? o.files : []).map(path) }],
      ['refresh_interval', duration(refresh ?? FILE_SD_REFRESH_MS)],
    ]);
  };

function ruleNode(r: RelabelRule): YamlNode {
  return entries([
    r.sourceLabels.length > 0 && ['source_labels', { seq: r.sourceLabels, flow: true }],
    r.separator !== '' && ['separator', r.separator],
    r.regexText !== '' && ['regex', r.regexText],
    r.modulus > 0 && ['modulus', r.modulus],
    r.targetLabel !== '' && ['target_label', r.targetLabel],
    r.replacement !== '' && ['replacement', r.replacement],
    ['action', r.action],
  ]);
}
