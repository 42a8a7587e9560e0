// Handlers of the read-only metrics pages: Explore, Targets, Rules, Alerts (parse → one call → render).
import { csrfToken, html, type ServiceUrls } from '@flowrent/shared/ui';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardsStore } from '../store/dashboards-store.js';
import { exploreParams, renderExploreBody } from '../ui/explore-page.js';
import { metricsPage, type Section } from '../ui/page.js';
import type { Alert, RuleGroup } from '../ui/prom-shapes.js';
import { renderAlerts, renderRules, renderTargets } from '../ui/status-pages.js';
import { resolveRange } from '../ui/time-range.js';
import { loadTargets, promGet } from './ui-prom.js';

export interface UiContext {
  app: FastifyInstance;
  dashboards: DashboardsStore;
  apiKey: string;
  urls: ServiceUrls;
  clock: () => number;
}

type Query = Record<string, string | undefined>;

/** The first value of each query parameter, as Go's FormValue and URLSearchParams.get take it:
 * Fastify hands a repeated one (`?range=1h&range=2h`) over as an array, which the pages took for a
 * string (a 500, `text.trim is not a function`). */
export function firstValues(query: unknown): Query {
  const out: Query = {};
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>))
    out[k] = Array.isArray(v)
      ? v.length
        ? String(v[0])
        : undefined
      : v === undefined
        ? undefined
        : String(v);
  return out;
}

/** Whether the client is a browser (form posts and links send Accept: text/html). */
export function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

export function sendPage(
  reply: FastifyReply,
  request: FastifyRequest,
  ctx: UiContext,
  page: { section: Section; title: string; body: ReturnType<typeof html>; bundle?: 'explorer' | 'dashboard' },
  status = 200,
) {
  const doc = metricsPage({ ...page, urls: ctx.urls, csrfToken: csrfToken(request) });
  return reply.code(status).type('text/html; charset=utf-8').send(doc.value);
}

function apiUnavailable(what: string, error: string) {
  return html`<p class="alert alert-warn" role="status">Could not read ${what} from the Prometheus API: ${error}</p>`;
}

export function uiPageHandlers(ctx: UiContext) {
  return {
    async explore(request: FastifyRequest, reply: FastifyReply) {
      const params = exploreParams(firstValues(request.query));
      const range = resolveRange(params, ctx.clock());
      const title = params.query ? params.query.slice(0, 80) : 'Explore';
      const add = { csrfToken: csrfToken(request), dashboards: ctx.dashboards.list() };
      const body = renderExploreBody(params, range, add, ctx.urls.logs);
      return sendPage(reply, request, ctx, { section: 'explore', title, body, bundle: 'explorer' });
    },

    async targets(request: FastifyRequest, reply: FastifyReply) {
      const { targets, source, error } = await loadTargets(ctx.app, ctx.apiKey);
      const body = html`${error ? apiUnavailable('targets', error) : ''}${renderTargets(targets, source)}`;
      return sendPage(reply, request, ctx, { section: 'targets', title: 'Targets', body });
    },

    async rules(request: FastifyRequest, reply: FastifyReply) {
      const res = await promGet<{ groups: RuleGroup[] }>(ctx.app, ctx.apiKey, '/api/v1/rules');
      const body = html`${res.ok ? '' : apiUnavailable('rules', res.error)}${renderRules(res.ok ? (res.data.groups ?? []) : [])}`;
      return sendPage(reply, request, ctx, { section: 'rules', title: 'Rules', body });
    },

    async alerts(request: FastifyRequest, reply: FastifyReply) {
      const res = await promGet<{ alerts: Alert[] }>(ctx.app, ctx.apiKey, '/api/v1/alerts');
      const body = html`${res.ok ? '' : apiUnavailable('alerts', res.error)}${renderAlerts(res.ok ? (res.data.alerts ?? []) : [])}`;
      return sendPage(reply, request, ctx, { section: 'alerts', title: 'Alerts', body });
    },
  };
}
