// Declarative configuration: each service lists its settings once (key, default, parser, doc with
// units); loadConfig() reads them from an environment object once at start-up, names the variable
// that is wrong, and returns a frozen object. Only main.ts passes process.env in.

import { formatDurationMs, parseDurationMs } from './duration.js';

export type Parser<T> = (raw: string) => T;

export interface Setting<T> {
  /** Default when the variable is unset; undefined means the variable is required. */
  default?: T;
  parse: Parser<T>;
  doc: string;
}

export type ConfigTable = Record<string, Setting<unknown>>;

export type ConfigOf<T extends ConfigTable> = {
  readonly [K in keyof T]: T[K] extends Setting<infer V> ? V : never;
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function defineConfig<T extends ConfigTable>(table: T): T {
  return table;
}

export function setting<T>(parse: Parser<T>, defaultValue: T | undefined, doc: string): Setting<T> {
  return { parse, default: defaultValue, doc };
}

/** Reads every setting of `table` from `env` (optionally under `prefix`), validating each. */
export function loadConfig<T extends ConfigTable>(
  table: T,
  env: Record<string, string | undefined>,
): ConfigOf<T> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const raw = env[key];
    if (raw === undefined || raw === '') {
      if (spec.default === undefined) throw new ConfigError(key, `is required (${spec.doc})`);
      out[key] = spec.default;
      continue;
    }
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      throw new ConfigError(key, `invalid value ${JSON.stringify(raw)}: ${(err as Error).message}`);
    }
  }
  return Object.freeze(out) as ConfigOf<T>;
}

/** One line per setting, for --help and the README: defaults written the way they are set. */
export function describeConfig(table: ConfigTable): string {
  return Object.entries(table)
    .map(([key, s]) => `${key}=${s.default === undefined ? '(required)' : formatDefault(s)}  ${s.doc}`)
    .join('\n');
}

function formatDefault(s: Setting<unknown>): string {
  const value = s.default;
  // Durations are held in ms but read with units (a bare number is seconds): print "10s", not 10000.
  if ((s.parse === parsers.duration || s.parse === parsers.durationOrZero) && typeof value === 'number')
    return value > 0 ? formatDurationMs(value) : '0';
  return typeof value === 'string' ? value || '(empty)' : JSON.stringify(value);
}

/** deploy/secrets.env.example's values: a copy run without editing it would guard every service
 * with a key printed in the repository, while the compose file publishes the ports. */
const EXAMPLE_KEY = /^change-me(-|$)/i;

export const parsers = {
  string: ((raw) => raw) as Parser<string>,
  /** An API key: any string but the example file's placeholders. */
  secretKey: ((raw) => {
    if (EXAMPLE_KEY.test(raw.trim()))
      throw new Error(
        'this is the placeholder of deploy/secrets.env.example; set a long random key (openssl rand -hex 24)',
      );
    return raw;
  }) as Parser<string>,
  integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Parser<number> {
    return (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) throw new Error('expected an integer');
      const n = Number(raw);
      if (n < min || n > max) throw new Error(`expected an integer from ${min} to ${max}`);
      return n;
    };
  },
  number(min = -Infinity, max = Infinity): Parser<number> {
    return (raw) => {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new Error('expected a number');
      if (n < min || n > max) throw new Error(`expected a number from ${min} to ${max}`);
      return n;
    };
  },
  boolean: ((raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error('expected true or false');
  }) as Parser<boolean>,
  oneOf<const V extends string>(...values: V[]): Parser<V> {
    return (raw) => {
      if (!values.includes(raw as V)) throw new Error(`expected one of ${values.join(', ')}`);
      return raw as V;
    };
  },
  url: ((raw) => {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('expected an http(s) URL');
    return raw.replace(/\/+$/, '');
  }) as Parser<string>,
  /** Durations such as 500ms, 30s, 5m, 1h30m, 7d; returns milliseconds. */
  duration: ((raw) => {
    const ms = parseDurationMs(raw);
    if (ms === undefined) throw new Error('expected a duration such as 30s, 5m, 12h or 7d');
    return ms;
  }) as Parser<number>,
  /** A duration, or 0 to switch off what it limits ("keep forever"). */
  durationOrZero: ((raw) => (/^0+(\.0*)?$/.test(raw.trim()) ? 0 : parsers.duration(raw))) as Parser<number>,
  /** Sizes such as 512, 64KB, 10MB, 2GB (binary multiples); returns bytes. */
  bytes: ((raw) => {
    const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(raw.trim());
    if (!m) throw new Error('expected a size such as 512KB, 10MB or 2GB');
    const unit = (m[2] ?? 'B').toUpperCase().replace('I', '');
    const mult = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[unit as 'B'];
    return Math.round(Number(m[1]) * mult);
  }) as Parser<number>,
};

/** Settings every service has. Each service spreads these into its own table. */
export const baseConfig = {
  API_KEY: setting(
    parsers.secretKey,
    '',
    'admin API key for the read API and the UI; required unless DEV_MODE',
  ),
  PORT: setting(parsers.integer(0, 65535), 8000, 'TCP port to listen on'),
  HOST: setting(parsers.string, '0.0.0.0', 'address to listen on'),
  DATA_DIR: setting(parsers.string, './data', 'folder for the SQLite database and other data files'),
  LOG_LEVEL: setting(
    parsers.oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    'info',
    'log level of the service’s own JSON logs',
  ),
  DEV_MODE: setting(
    parsers.boolean,
    false,
    'generate and store an API key in DATA_DIR when API_KEY is unset (npm start sets it)',
  ),
  SHUTDOWN_TIMEOUT: setting(parsers.duration, 10_000, 'how long in-flight requests may finish on SIGTERM'),
  ERROR_TRACKER_URL: setting(
    parsers.url,
    'http://localhost:5010',
    'public URL of the error tracker (UI links)',
  ),
  LOG_VIEWER_URL: setting(parsers.url, 'http://localhost:5011', 'public URL of the log viewer (UI links)'),
  METRICS_COLLECTOR_URL: setting(
    parsers.url,
    'http://localhost:5012',
    'public URL of the metrics collector (UI links)',
  ),
  METRICS_TOKEN: setting(
    parsers.string,
    '',
    'bearer token required to read /metrics; empty means /metrics is open (it exposes no data, only counters)',
  ),
} satisfies ConfigTable;
