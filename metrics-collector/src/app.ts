// Wires the metrics collector: the shared service app plus this service's routes, store and background work.
import type { ServiceDeps } from '@flowrent/shared/cli';
import { createServiceApp } from '@flowrent/shared/http';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { setupIngestion } from './http/ingest-setup.js';

export type AppDeps = ServiceDeps<Config>;

export function createApp(deps: AppDeps): FastifyInstance {
  const app = createServiceApp({
    service: { name: 'metrics-collector', version: deps.version },
    config: deps.config,
    registry: deps.registry,
    isReady: deps.isReady,
    dataFiles: () => [deps.db.name, `${deps.db.name}-wal`],
    logger: deps.logger,
  });
  setupIngestion(app, deps);
  return app;
}
