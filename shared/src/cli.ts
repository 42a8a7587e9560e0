// The entry point every service's main.ts calls: flags (--help, --version, --healthcheck, --migrate-only),
// configuration, the dev-mode API key, the database, listening, and graceful shutdown.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  type ConfigOf,
  ConfigError,
  type ConfigTable,
  type baseConfig,
  describeConfig,
  loadConfig,
} from './config.js';
import { closeDatabase, type Db, isMigrated, loadMigrations, migrate, openDatabase } from './db.js';
import { Registry } from './metrics.js';

type BaseConfig = ConfigOf<typeof baseConfig>;

export interface ServiceDeps<C> {
  config: C;
  version: string;
  /** False silences request logs (tests). */
  logger?: boolean;
  db: Db;
  registry: Registry;
  /** True while the database is open and at the latest schema version. */
  isReady: () => boolean;
  /** Milliseconds since the epoch; tests pass their own. */
  clock: () => number;
}

export interface ServiceSpec<T extends ConfigTable> {
  name: string;
  /** URL of the service's package.json (for --version). */
  packageJson: URL;
  migrationsDir: URL;
  /** File name of the database inside DATA_DIR. */
  databaseFile: string;
  configTable: T;
  /** Builds the app. Background work registers an onClose hook so shutdown stops it. */
  createApp: (deps: ServiceDeps<ConfigOf<T>>) => FastifyInstance | Promise<FastifyInstance>;
}

const HEALTHCHECK_TIMEOUT_MS = 2000;
const KNOWN_FLAGS = ['--healthcheck', '--migrate-only', '--version', '--help', '-h'];
const USAGE = (name: string) => `Usage: ${name} [--healthcheck | --migrate-only | --version | --help]`;

export async function runService<T extends ConfigTable>(
  spec: ServiceSpec<T>,
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<void> {
  const version = JSON.parse(readFileSync(spec.packageJson, 'utf8')).version as string;
  // A mistyped flag must not start the service (and migrate a database in ./data) as if absent.
  const unknown = argv.find((arg) => !KNOWN_FLAGS.includes(arg));
  if (unknown !== undefined) {
    console.error(`${spec.name}: unknown option ${JSON.stringify(unknown)}\n${USAGE(spec.name)}`);
    process.exit(2);
  }
  if (argv.includes('--version')) {
    console.log(`${spec.name} ${version}`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText(spec.name, version, spec.configTable));
    return;
  }
  let config: ConfigOf<T> & BaseConfig;
  try {
    config = loadConfig(spec.configTable, env) as ConfigOf<T> & BaseConfig;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${spec.name}: configuration error: ${err.message}`);
    process.exit(argv.includes('--healthcheck') ? 1 : 2);
  }
  if (argv.includes('--healthcheck')) process.exit((await probeHealth(config.PORT)) ? 0 : 1);

  mkdirSync(config.DATA_DIR, { recursive: true });
  const db = openDatabase(join(config.DATA_DIR, spec.databaseFile));
  const migrationsDir = decodeURIComponent(spec.migrationsDir.pathname);
  const latest = loadMigrations(migrationsDir).length;
  try {
    const { from, to } = migrate(db, migrationsDir);
    if (from !== to) console.error(`${spec.name}: database migrated from schema ${from} to ${to}`);
  } catch (err) {
    console.error(`${spec.name}: cannot open the database: ${(err as Error).message}`);
    closeDatabase(db);
    process.exit(1);
  }
  if (argv.includes('--migrate-only')) {
    closeDatabase(db);
    return;
  }

  const apiKey = resolveApiKey(spec.name, config);
  const finalConfig = Object.freeze({ ...config, API_KEY: apiKey }) as ConfigOf<T> & BaseConfig;
  const app = await spec.createApp({
    config: finalConfig,
    version,
    db,
    registry: new Registry(),
    isReady: () => isMigrated(db, latest),
    clock: Date.now,
  });

  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    const { code, syscall } = err as NodeJS.ErrnoException;
    // Only the HTTP listen is ours to name; other sockets (e.g. a UDP listener) say what they are.
    console.error(
      code === 'EADDRINUSE' && syscall === 'listen'
        ? `${spec.name}: port ${config.PORT} is already in use`
        : `${spec.name}: cannot start: ${(err as Error).message}`,
    );
    await app.close();
    closeDatabase(db);
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // Stop accepting, let in-flight requests finish; past the deadline cut what is left.
    // Keep-alive connections become idle as their last response ends: close them as they do.
    const deadline = setTimeout(() => app.server.closeAllConnections(), config.SHUTDOWN_TIMEOUT);
    const reapIdle = setInterval(() => app.server.closeIdleConnections(), 50);
    try {
      await app.close();
    } finally {
      clearTimeout(deadline);
      clearInterval(reapIdle);
      closeDatabase(db);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function resolveApiKey(name: string, config: BaseConfig): string {
  if (config.API_KEY) return config.API_KEY;
  if (!config.DEV_MODE) {
    console.error(`${name}: API_KEY is required (or set DEV_MODE=true to generate one in DATA_DIR)`);
    process.exit(2);
  }
  const file = join(config.DATA_DIR, 'api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  console.log(`${name}: generated API key ${key} (stored in ${file})`);
  return key;
}

/** GET /healthz on this machine's PORT: true on 200 within the timeout. */
export async function probeHealth(port: number, timeoutMs = HEALTHCHECK_TIMEOUT_MS): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function helpText(name: string, version: string, table: ConfigTable): string {
  return [
    `${name} ${version}`,
    '',
    USAGE(name),
    '  --healthcheck   probe the running instance on PORT; exit 0 when healthy, 1 otherwise',
    '  --migrate-only  bring the database to the latest schema and exit',
    '',
    'Settings (environment variables; durations take units: 500ms, 30s, 5m, 12h, 7d — a bare number is',
    'seconds; sizes take 512KB, 10MB, 2GB):',
    describeConfig(table),
  ].join('\n');
}
