// Wires the metrics collector: the shared service app plus this service's routes, store and background work.
import type { ServiceDeps } from '@flowrent/shared/cli';
import { createServiceApp } from '@flowrent/shared/http';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { configSource } from './http/api-config.js';
import { registerPromApi } from './http/api-routes.js';
import { setupIngestion } from './http/ingest-setup.js';
import { registerMetricsUi } from './http/ui-routes.js';
import { alertWebhookUrls, setupRules } from './rules/rules-setup.js';
import { parseRetention } from './store/retention.js';

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
  const { store, source } = app.ingestion;
  const write = (out: Array<{ labels: Record<string, string>; t: number; v: number; stale?: boolean }>) =>
    store.appendSamples(
      out.map((s) => ({ labels: Object.entries(s.labels), t: s.t, v: s.v, stale: s.stale })),
    );
  const rules = setupRules(app, { config: deps.config, source, clock: deps.clock, write });
  registerPromApi(app, {
    source,
    clock: deps.clock,
    version: deps.version,
    metadata: () => store.metadata,
    targetsMetadata: () => app.ingestion.scrapeManager.targetsMetadata(),
    rules: () => rules,
    alertWebhooks: alertWebhookUrls(deps.config.ALERT_WEBHOOK_URLS),
    exemplars: store.exemplars,
    subqueryStepMs: deps.config.RULE_EVALUATION_INTERVAL,
    status: {
      store,
      retentionMs: parseRetention(deps.config.RETENTION).rawMs,
      maxDiskBytes: deps.config.MAX_DISK_BYTES,
      scrapeConfigFile: deps.config.SCRAPE_CONFIG,
      logLevel: deps.config.LOG_LEVEL,
      config: configSource(deps.config),
    },
  });
  registerMetricsUi(app, deps);
  return app;
}
