// Wires the error tracker: the shared service app plus this service's store, ingest, background
// loops (grouping, alert delivery, retention) and routes. No listen(), no globals.
import { randomBytes } from 'node:crypto';
import type { ServiceDeps } from '@flowrent/shared/cli';
import { createServiceApp } from '@flowrent/shared/http';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { HttpContext } from './http/context.js';
import { registerRoutes } from './http/routes.js';
import { registerUiRoutes } from './http/ui-routes.js';
import { AlertDeliverer } from './service/alert-deliverer.js';
import { Digester } from './service/digester.js';
import { IngestService } from './service/ingest-service.js';
import { Maintenance } from './service/maintenance.js';
import { inlinePreparer, workerPreparer } from './service/preparer.js';
import { dsnFor } from './service/sentry-auth.js';
import { StoreWorker } from './service/store-worker.js';
import { closeDatabase } from '@flowrent/shared/db';
import { inboxDataFiles, inboxFileFor, openInbox } from './store/inbox.js';
import { createSqliteStore } from './store/sqlite-store.js';

export type AppDeps = ServiceDeps<Config> & {
  /** Tests: no background timers; they call drain() / deliverDue() / runOnce() themselves. */
  background?: boolean;
  fetch?: typeof fetch;
};

declare module 'fastify' {
  interface FastifyInstance {
    errorTracker: HttpContext;
  }
}

const DIGEST_INTERVAL_MS = 1000;
const ALERT_INTERVAL_MS = 5000;
const CHECKPOINT_INTERVAL_MS = 500;

export function newPublicKey(): string {
  return randomBytes(16).toString('hex');
}

export function createApp(deps: AppDeps): FastifyInstance {
  const { config, clock } = deps;
  const app = createServiceApp({
    service: { name: 'error-tracker', version: deps.version },
    config,
    registry: deps.registry,
    isReady: deps.isReady,
    dataFiles: () => [deps.db.name, `${deps.db.name}-wal`, ...inboxDataFiles(inboxDb)],
    logger: deps.logger,
    trustProxy: config.TRUST_PROXY,
  });
  // accepted events wait for grouping in their own file next to errors.db (store/inbox.ts); the
  // app opens it and closes it after the shutdown drain
  const inboxDb = openInbox(inboxFileFor(deps.db.name));
  const store = createSqliteStore(deps.db, inboxDb);
  const publicUrl = config.ERROR_TRACKER_URL;
  ensureDefaultProject(
    store,
    config.DEFAULT_PROJECT_KEY || newPublicKey(),
    clock(),
    publicUrl,
    deps.logger !== false,
  );

  const digested = deps.registry.counter('errors_events_grouped_total', 'Events grouped into issues.');
  const digester = new Digester(store, {
    batchSize: config.DIGEST_BATCH,
    clock,
    onGrouped: (n) => digested.inc({}, n),
    onError: (err) => app.log.error({ err }, 'digest batch failed; retried on the next run'),
  });
  const preparer = config.INGEST_WORKERS > 0 ? workerPreparer(config.INGEST_WORKERS) : inlinePreparer();
  const ingest = new IngestService(store, digester, {
    maxPending: config.INGEST_MAX_PENDING,
    maxInFlight: config.INGEST_MAX_IN_FLIGHT,
    maxBufferedBytes: config.INGEST_MAX_BUFFERED_BYTES,
    clock,
    preparer,
  });
  // checkpoints and, in the background, digest batches run on their own thread and connection
  const storeWorker = new StoreWorker(deps.db, inboxDb, ingest.commits);
  const deliverer = new AlertDeliverer(store, {
    clock,
    issueUrl: (id) => `${publicUrl}/issues/${id}`,
    maxAttempts: config.ALERT_MAX_ATTEMPTS,
    timeoutMs: 5000,
    fetch: deps.fetch,
  });
  const maintenance = new Maintenance(store, {
    clock,
    policy: { maxEventAgeMs: config.EVENT_MAX_AGE, maxEventsPerIssue: config.MAX_EVENTS_PER_ISSUE },
    batchSize: 500,
    vacuumPages: 2000,
  });
  deps.registry.gauge('errors_inbox_pending', 'Accepted events waiting to be grouped.', (g) =>
    g.set({}, digester.pending()),
  );
  deps.registry.gauge('nodejs_external_memory_bytes', 'Memory outside the V8 heap (Buffers), bytes.', (g) => {
    const m = process.memoryUsage();
    g.set({ kind: 'external' }, m.external);
    g.set({ kind: 'array_buffers' }, m.arrayBuffers);
    g.set({ kind: 'heap_total' }, m.heapTotal);
  });
  deps.registry.gauge(
    'errors_ingest_in_flight',
    'Ingest requests admitted and not yet answered (requests), and the body bytes they hold (bytes).',
    (g) => {
      const now = ingest.requestsInFlight;
      g.set({ kind: 'requests' }, now.requests);
      g.set({ kind: 'bytes' }, now.bytes);
    },
  );
  deps.registry.counter('errors_events_accepted_total', 'Events accepted since start.', (c) =>
    c.setTotal({}, ingest.accepted),
  );

  const ctx: HttpContext = {
    store,
    ingest,
    digester,
    deliverer,
    maintenance,
    clock,
    publicUrl,
    newPublicKey,
  };
  app.decorate('errorTracker', ctx);
  registerRoutes(app, ctx);
  registerUiRoutes(app, { store, config, clock });

  if (deps.background !== false) {
    storeWorker.start(CHECKPOINT_INTERVAL_MS, (err) => {
      // grouping continues on the main thread
      digester.runOn(null);
      app.log.error({ err }, 'store worker failed; digesting on the main thread');
    });
    if (storeWorker.running) digester.runOn(storeWorker);
    digester.start(DIGEST_INTERVAL_MS);
    deliverer.start(ALERT_INTERVAL_MS);
    maintenance.start(config.MAINTENANCE_INTERVAL);
    digester.kick();
  }
  app.addHook('onClose', async () => {
    digester.stop();
    deliverer.stop();
    maintenance.stop();
    await preparer.close();
    digester.runOn(null);
    await storeWorker.stop();
    try {
      // group what was accepted before the database closes, so a restart starts with an empty inbox
      digester.drain();
    } catch (err) {
      // what is left stays in the inbox for the next start; shutting down goes on
      app.log.error({ err }, 'shutdown digest failed; the rest is grouped on the next start');
    } finally {
      // a drain that fails leaves the rest in the inbox for the next start; the files still close
      store.close();
      closeDatabase(inboxDb);
    }
  });
  return app;
}

function ensureDefaultProject(
  store: ReturnType<typeof createSqliteStore>,
  publicKey: string,
  nowMs: number,
  publicUrl: string,
  print: boolean,
): void {
  let project = store.listProjects()[0];
  if (!project) project = store.createProject({ name: 'Default', slug: 'default', publicKey, nowMs });
  const key = store.listKeys(project.id).find((k) => k.revokedAt === null);
  if (print && key)
    console.log(
      `error-tracker: DSN of project "${project.name}": ${dsnFor(publicUrl, key.publicKey, project.id)}`,
    );
}
