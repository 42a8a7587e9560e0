// The metrics collector's web UI: every page route in one table, registered through the shared UI kit
// (session sign-in, CSRF, security headers, /assets). app.ts calls registerMetricsUi(app, deps) once.
import type { Db } from '@flowrent/shared/db';
import { registerUi, registerUiPages, type ServiceUrls } from '@flowrent/shared/ui';
import type { FastifyInstance } from 'fastify';
import { DashboardsStore } from '../store/dashboards-store.js';
import { dashboardHandlers } from './ui-dashboards.js';
import { type UiContext, uiPageHandlers } from './ui-pages.js';

export interface MetricsUiDeps {
  config: {
    API_KEY: string;
    ERROR_TRACKER_URL: string;
    LOG_VIEWER_URL: string;
    METRICS_COLLECTOR_URL: string;
  };
  db: Db;
  clock: () => number;
}

export function registerMetricsUi(app: FastifyInstance, deps: MetricsUiDeps): void {
  const urls: ServiceUrls = {
    errors: deps.config.ERROR_TRACKER_URL,
    logs: deps.config.LOG_VIEWER_URL,
    metrics: deps.config.METRICS_COLLECTOR_URL,
  };
  registerUi(app, { service: 'metrics', apiKey: deps.config.API_KEY, urls, now: deps.clock });
  const store = new DashboardsStore(deps.db);
  const ctx: UiContext = { app, dashboards: store, apiKey: deps.config.API_KEY, urls, clock: deps.clock };
  const pages = uiPageHandlers(ctx);
  const dashboards = dashboardHandlers(ctx, store);
  registerUiPages(app, async (ui) => {
    ui.get('/', pages.explore);
    // Prometheus' own UI path, so bookmarks and Grafana "explore in Prometheus" links land in Explore.
    ui.get('/graph', async (request, reply) => {
      const qs = new URLSearchParams(request.query as Record<string, string>);
      const expr = qs.get('g0.expr');
      if (expr && !qs.has('query')) qs.set('query', expr);
      return reply.redirect(`/?${qs}`, 303);
    });
    ui.get('/targets', pages.targets);
    ui.get('/rules', pages.rules);
    ui.get('/alerts', pages.alerts);
    ui.get('/dashboards', dashboards.list);
    ui.post('/dashboards', dashboards.create);
    ui.post('/dashboards/import', dashboards.import);
    ui.post('/dashboards/add-panel', dashboards.addPanel);
    ui.get('/dashboards/:id', dashboards.view);
    ui.post('/dashboards/:id', dashboards.save);
    ui.get('/dashboards/:id/edit', dashboards.edit);
    ui.post('/dashboards/:id/json', dashboards.saveJson);
    ui.get('/dashboards/:id/export', dashboards.export);
    ui.post('/dashboards/:id/delete', dashboards.remove);
  });
}
