// SQLite access shared by the three services: opening a file with the pragmas we rely on, and the
// one migration runner (forward-only numbered .sql files, version kept in _meta.schema_version).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  /** Milliseconds a writer waits for a lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: options.readonly ?? false });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  return db;
}

/** Closes the database after a checkpoint, so the WAL is folded back into the main file. */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  if (!db.readonly) {
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A checkpoint that cannot run now (another reader) is retried by SQLite on next open.
    }
  }
  db.close();
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_-]+)\.sql$/;

export function loadMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const m = MIGRATION_FILE.exec(file);
      if (!m) throw new Error(`migration file name ${file} does not match NNNN_name.sql`);
      return { version: Number(m[1]), name: m[2], sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migrations must be numbered 1..n without gaps; found ${m.version}`);
  });
  return migrations;
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`database schema version ${found} is newer than this build knows (${known}); upgrade the service`);
    this.name = 'SchemaTooNewError';
  }
}

export function schemaVersion(db: Db): number {
  db.exec('CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)');
  const row = db.prepare("SELECT value FROM _meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  return row ? Number(row.value) : 0;
}

/** Applies every migration above the recorded version, each in its own transaction. */
export function migrate(db: Db, dirOrMigrations: string | Migration[]): { from: number; to: number } {
  const migrations = typeof dirOrMigrations === 'string' ? loadMigrations(dirOrMigrations) : dirOrMigrations;
  const from = schemaVersion(db);
  const latest = migrations.length;
  if (from > latest) throw new SchemaTooNewError(from, latest);
  const record = db.prepare("INSERT OR REPLACE INTO _meta (key, value) VALUES ('schema_version', ?)");
  for (const m of migrations.slice(from)) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(String(m.version));
    }).immediate();
  }
  return { from, to: latest };
}

/** True when the database is open and at the latest schema version: what /readyz reports. */
export function isMigrated(db: Db, expectedVersion: number): boolean {
  if (!db.open) return false;
  try {
    return schemaVersion(db) === expectedVersion;
  } catch {
    return false;
  }
}
