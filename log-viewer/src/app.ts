// Wires the log viewer: the shared service app plus this service's routes, store and background work.
import { join } from 'node:path';
import type { ServiceDeps } from '@flowrent/shared/cli';
import { createServiceApp } from '@flowrent/shared/http';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { releaseIngestBodyChunks } from './http/ingest-body-chunks.js';
import { registerIngestRoutes } from './http/ingest-routes.js';
import { registerReadSide } from './http/query-read-side.js';
import type { LogStore } from './store/log-store.js';
import { retentionPolicy, SqliteLogStore } from './store/sqlite-log-store.js';

/** `store` lets tests share one store with the app; otherwise the app opens one in DATA_DIR/inbox. */
export type AppDeps = ServiceDeps<Config> & { store?: LogStore };

export function createApp(deps: AppDeps): FastifyInstance {
  const app = createServiceApp({
    service: { name: 'log-viewer', version: deps.version },
    config: deps.config,
    registry: deps.registry,
    isReady: deps.isReady,
    dataFiles: () => [deps.db.name, `${deps.db.name}-wal`],
    logger: deps.logger,
  });
  let store = deps.store;
  if (!store) {
    const own = new SqliteLogStore({
      db: deps.db,
      inboxDir: join(deps.config.DATA_DIR, 'inbox'),
      clock: deps.clock,
      retention: retentionPolicy(deps.config),
      sealWorker: true,
      workers: deps.config.INGEST_WORKERS,
      onBackgroundError: (err, what) => app.log.error({ err }, `log store: ${what} failed`),
    });
    app.addHook('onClose', () => own.close());
    deps.registry.gauge(
      'log_ingest_workers_live',
      'Ingest worker threads running; fewer than INGEST_WORKERS means some fell back to the main thread.',
      (g) => g.set({}, own.liveWorkers()),
    );
    store = own;
  }
  releaseIngestBodyChunks(app);
  registerIngestRoutes(app, { store, clock: deps.clock, registry: deps.registry, config: deps.config });
  registerReadSide(app, { store, db: deps.db, clock: deps.clock, config: deps.config });
  return app;
}
