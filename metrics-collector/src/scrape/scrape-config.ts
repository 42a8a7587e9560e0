// The prometheus.yml subset we read (Prometheus 2.42 docs/configuration/configuration.md):
// global.scrape_interval / scrape_timeout, scrape_configs[].job_name, scrape_interval,
// scrape_timeout, metrics_path, scheme, params, honor_labels, honor_timestamps, authorization /
// bearer_token / bearer_token_file / basic_auth, static_configs (targets + labels) and
// file_sd_configs (JSON or YAML files of [{targets, labels}], re-read on every scrape round),
// relabel_configs and metric_relabel_configs (relabel.ts). Any other key of a scrape config, a
// static/file_sd group or a relabel rule is refused at start, naming it: Prometheus refuses an
// unknown key, and one it knows that we do not do (kubernetes_sd_configs, sample_limit, tls_config…)
// would otherwise be silently without effect.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseYaml } from '../lazy-deps.js';
import { parseRelabelConfigs, RelabelConfigError, type RelabelRule } from './relabel.js';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface ScrapeJob {
  jobName: string;
  intervalMs: number;
  timeoutMs: number;
  metricsPath: string;
  scheme: 'http' | 'https';
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  bearerToken?: string;
  basicAuth?: { username: string; password: string; passwordFile?: string };
  /** credentials_file / bearer_token_file: read again before every scrape (scrapeCredentials), as
   * 2.42 reads it for every request, so a rotated token is used at once. */
  bearerTokenFile?: string;
  staticConfigs: TargetGroup[];
  fileSdFiles: string[];
  /** Applied to each target's labels before it is scraped (relabel.ts); absent: none. */
  relabelConfigs?: RelabelRule[];
  /** Applied to each scraped sample's labels before it is stored; absent: none. */
  metricRelabelConfigs?: RelabelRule[];
}

const JOB_KEYS = new Set([
  'job_name',
  'scrape_interval',
  'scrape_timeout',
  'metrics_path',
  'scheme',
  'params',
  'honor_labels',
  'honor_timestamps',
  'authorization',
  'bearer_token',
  'bearer_token_file',
  'basic_auth',
  'static_configs',
  'file_sd_configs',
  'relabel_configs',
  'metric_relabel_configs',
]);

/** A key of `obj` outside `known`: a ScrapeConfigError naming it and where it is. */
function refuseUnknownKeys(obj: Obj, known: Set<string>, where: string): void {
  for (const k of Object.keys(obj))
    if (!known.has(k))
      throw new ScrapeConfigError(
        `${where}: unsupported key ${k} (the metrics collector reads only ${[...known].join(', ')})`,
      );
}

export interface ScrapeConfig {
  jobs: ScrapeJob[];
}

export class ScrapeConfigError extends Error {}

const DURATION_RE = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;

export function parseDuration(s: string): number {
  const m = DURATION_RE.exec(s.trim());
  if (!m || s.trim() === '') throw new ScrapeConfigError(`invalid duration ${JSON.stringify(s)}`);
  const n = (i: number) => Number(m[i] ?? 0);
  return (
    n(2) * 365 * 86_400_000 +
    n(4) * 7 * 86_400_000 +
    n(6) * 86_400_000 +
    n(8) * 3_600_000 +
    n(10) * 60_000 +
    n(12) * 1000 +
    n(14)
  );
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new ScrapeConfigError(`${what} must be a string`);
  return v;
}

/** A path as Prometheus' config.JoinDir reads it: relative to the config's folder, absolute kept. */
function configPath(baseDir: string, file: unknown, what: string): string {
  return resolve(baseDir, str(file, what));
}

function readSecretFile(file: unknown, baseDir: string, job: string, key: string): string | undefined {
  if (file === undefined) return undefined;
  const path = configPath(baseDir, file, key);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ScrapeConfigError(`job ${job}: ${key} ${path} cannot be read (${code})`);
  }
}

const GROUP_KEYS = new Set(['targets', 'labels']);

function parseGroups(v: unknown, what: string): TargetGroup[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ScrapeConfigError(`${what} must be a list`);
  return v.map((g) => {
    if (!isObj(g)) throw new ScrapeConfigError(`${what} entries must be maps`);
    refuseUnknownKeys(g, GROUP_KEYS, what);
    if (g.targets !== undefined && g.targets !== null && !Array.isArray(g.targets))
      throw new ScrapeConfigError(`${what}: targets must be a list of strings`);
    const targets = Array.isArray(g.targets) ? g.targets.map((t) => str(t, 'target')) : [];
    const labels: Record<string, string> = {};
    if (isObj(g.labels)) for (const [k, val] of Object.entries(g.labels)) labels[k] = String(val);
    return { targets, labels };
  });
}

/** file_sd_configs keys: refresh_interval is moot (the files are read every scrape round). */
const FILE_SD_KEYS = new Set(['files', 'refresh_interval']);

/** Parses a prometheus.yml-style document; `baseDir` resolves relative file paths. */
export function parseScrapeConfig(text: string, baseDir = '.'): ScrapeConfig {
  const doc = parseYaml(text) ?? {};
  if (!isObj(doc)) throw new ScrapeConfigError('the scrape config must be a YAML map');
  const global = isObj(doc.global) ? doc.global : {};
  const globalInterval = global.scrape_interval
    ? parseDuration(str(global.scrape_interval, 'scrape_interval'))
    : 60_000;
  // 2.42's config.go: an explicit timeout over its interval is refused; an unset one is 10 s, or
  // the interval when that is shorter.
  const globalTimeout = global.scrape_timeout
    ? parseDuration(str(global.scrape_timeout, 'scrape_timeout'))
    : Math.min(10_000, globalInterval);
  if (globalTimeout > globalInterval)
    throw new ScrapeConfigError('global scrape timeout greater than scrape interval');
  const list = doc.scrape_configs ?? [];
  if (!Array.isArray(list)) throw new ScrapeConfigError('scrape_configs must be a list');
  const names = new Set<string>();
  const jobs = list.map((j): ScrapeJob => {
    if (!isObj(j)) throw new ScrapeConfigError('each scrape_configs entry must be a map');
    const jobName = str(j.job_name, 'job_name');
    refuseUnknownKeys(j, JOB_KEYS, `job ${jobName}`);
    if (names.has(jobName)) throw new ScrapeConfigError(`duplicate job_name ${jobName}`);
    names.add(jobName);
    const intervalMs = j.scrape_interval
      ? parseDuration(str(j.scrape_interval, 'scrape_interval'))
      : globalInterval;
    const timeoutMs = j.scrape_timeout
      ? parseDuration(str(j.scrape_timeout, 'scrape_timeout'))
      : Math.min(globalTimeout, intervalMs);
    if (timeoutMs > intervalMs)
      throw new ScrapeConfigError(
        `scrape timeout greater than scrape interval for scrape config with job name "${jobName}"`,
      );
    const params: Record<string, string[]> = {};
    if (isObj(j.params)) {
      for (const [k, v] of Object.entries(j.params))
        params[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    }
    const scheme = j.scheme === undefined ? 'http' : str(j.scheme, 'scheme');
    if (scheme !== 'http' && scheme !== 'https')
      throw new ScrapeConfigError(`job ${jobName}: scheme must be http or https`);
    // Files are read here too, so that one that cannot be read stops the start.
    let bearerToken: string | undefined;
    let bearerTokenFile: string | undefined;
    const tokenFile = (file: unknown, key: string) => {
      bearerToken = readSecretFile(file, baseDir, jobName, key);
      if (bearerToken !== undefined) bearerTokenFile = configPath(baseDir, file, key);
    };
    if (isObj(j.authorization)) {
      bearerToken = j.authorization.credentials as string | undefined;
      if (bearerToken === undefined) tokenFile(j.authorization.credentials_file, 'credentials_file');
    }
    if (bearerToken === undefined) {
      bearerToken = j.bearer_token as string | undefined;
      if (bearerToken === undefined) tokenFile(j.bearer_token_file, 'bearer_token_file');
    }
    let basicAuth: ScrapeJob['basicAuth'];
    if (isObj(j.basic_auth)) {
      const fromFile = j.basic_auth.password === undefined && j.basic_auth.password_file !== undefined;
      basicAuth = {
        username: String(j.basic_auth.username ?? ''),
        password: String(
          j.basic_auth.password ??
            readSecretFile(j.basic_auth.password_file, baseDir, jobName, 'password_file') ??
            '',
        ),
      };
      if (fromFile) basicAuth.passwordFile = configPath(baseDir, j.basic_auth.password_file, 'password_file');
    }
    const fileSdFiles: string[] = [];
    if (Array.isArray(j.file_sd_configs)) {
      for (const sd of j.file_sd_configs) {
        if (isObj(sd)) refuseUnknownKeys(sd, FILE_SD_KEYS, `job ${jobName}: file_sd_configs`);
        if (isObj(sd) && Array.isArray(sd.files))
          for (const f of sd.files) fileSdFiles.push(configPath(baseDir, f, 'file'));
      }
    }
    let relabelConfigs: RelabelRule[];
    let metricRelabelConfigs: RelabelRule[];
    try {
      relabelConfigs = parseRelabelConfigs(j.relabel_configs, `job ${jobName}: relabel_configs`);
      metricRelabelConfigs = parseRelabelConfigs(
        j.metric_relabel_configs,
        `job ${jobName}: metric_relabel_configs`,
      );
    } catch (err) {
      if (err instanceof RelabelConfigError) throw new ScrapeConfigError(err.message);
      throw err;
    }
    return {
      jobName,
      intervalMs,
      timeoutMs,
      metricsPath: j.metrics_path === undefined ? '/metrics' : str(j.metrics_path, 'metrics_path'),
      scheme,
      params,
      honorLabels: j.honor_labels === true,
      honorTimestamps: j.honor_timestamps !== false,
      bearerToken,
      bearerTokenFile,
      basicAuth,
      staticConfigs: parseGroups(j.static_configs, `job ${jobName}: static_configs`),
      fileSdFiles,
      relabelConfigs,
      metricRelabelConfigs,
    };
  });
  return { jobs };
}

/** The job's credentials for a scrape about to start, their files read now; throws (the scrape's
 * error) when one cannot be read, with 2.42's words. */
export function scrapeCredentials(job: ScrapeJob): {
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
} {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new Error(
        `unable to read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  };
  const bearerToken = job.bearerTokenFile
    ? read(job.bearerTokenFile, 'authorization credentials file')
    : job.bearerToken;
  const auth = job.basicAuth;
  const basicAuth =
    auth?.passwordFile !== undefined
      ? { username: auth.username, password: read(auth.passwordFile, 'basic auth password file') }
      : auth;
  return { bearerToken, basicAuth };
}

/** Reads the target groups of file_sd files (a `*` in the file name is a glob). A listed file that
 * cannot be read or parsed (half written) keeps the groups it last had (`lastGood`, by path) and is
 * reported to `onError`, as 2.42's file discovery does; it never fails the scrape round. */
export function readFileSd(
  files: string[],
  lastGood = new Map<string, TargetGroup[]>(),
  onError?: (path: string, err: Error) => void,
): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const pattern of files) {
    let paths = [pattern];
    if (basename(pattern).includes('*')) {
      const re = new RegExp(
        `^${basename(pattern)
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')}$`,
      );
      try {
        paths = readdirSync(dirname(pattern))
          .filter((f) => re.test(f))
          .map((f) => join(dirname(pattern), f));
      } catch {
        paths = [];
      }
    }
    for (const p of paths) {
      try {
        const read = parseGroups(parseYaml(readFileSync(p, 'utf8')), p);
        lastGood.set(p, read);
        groups.push(...read);
      } catch (err) {
        onError?.(p, err as Error);
        groups.push(...(lastGood.get(p) ?? []));
      }
    }
  }
  return groups;
}
