// Dashboard handlers: list/create/import, view, edit (form or JSON), export, delete. Every POST checks CSRF.
import { ValidationError } from '@flowrent/shared/errors';
import { NotFound } from '@flowrent/shared/errors';
import { formBody, verifyCsrf } from '@flowrent/shared/ui';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type Dashboard,
  exportDashboard,
  parseDashboard,
  parseDashboardJson,
} from '../dashboards/dashboard-model.js';
import {
  dashboardFromForm,
  renderDashboardEdit,
  renderDashboardList,
  renderDashboardView,
} from '../ui/dashboard-pages.js';
import type { DashboardsStore } from '../store/dashboards-store.js';
import { resolveRange } from '../ui/time-range.js';
import { parseExpr } from '../promql/parse.js';
import { firstValues, sendPage, type UiContext, wantsHtml } from './ui-pages.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
type Handler = (request: IdRequest, reply: FastifyReply) => Promise<unknown> | unknown;

function dashboardId(request: IdRequest): number {
  const id = Number(request.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFound('no such dashboard');
  return id;
}

function fileName(title: string): string {
  return `${
    title
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'dashboard'
  }.json`;
}

export function dashboardHandlers(ctx: UiContext, store: DashboardsStore) {
  const load = (request: IdRequest) => {
    const id = dashboardId(request);
    const found = store.get(id);
    if (!found) throw new NotFound(`dashboard ${id} does not exist`);
    return found;
  };
  const listPage = (request: FastifyRequest, reply: FastifyReply, error?: string, status = 422) =>
    sendPage(
      reply,
      request,
      ctx,
      {
        section: 'dashboards',
        title: 'Dashboards',
        body: renderDashboardList(store.list(), request.uiSession!.csrfToken, error),
      },
      error ? status : 200,
    );
  /** A missing dashboard: browsers get the list page with the message and a 404 (they got the
   * API's JSON body), other clients the JSON error as before. */
  const htmlNotFound =
    (handler: Handler): Handler =>
    async (request, reply) => {
      try {
        return await handler(request, reply);
      } catch (err) {
        if (err instanceof NotFound && wantsHtml(request))
          return listPage(request, reply, (err as Error).message, 404);
        throw err;
      }
    };
  const editPage = (
    request: IdRequest,
    reply: FastifyReply,
    id: number,
    d: Dashboard,
    json: string,
    error?: string,
  ) =>
    sendPage(
      reply,
      request,
      ctx,
      {
        section: 'dashboards',
        title: `Edit ${d.title}`,
        body: renderDashboardEdit(id, d, request.uiSession!.csrfToken, json, error),
      },
      error ? 422 : 200,
    );

  const handlers = {
    list: (request: FastifyRequest, reply: FastifyReply) => listPage(request, reply),

    async create(request: FastifyRequest, reply: FastifyReply) {
      verifyCsrf(request);
      try {
        const dashboard = parseDashboard({ title: formBody(request).title ?? '', panels: [] });
        return reply.redirect(`/dashboards/${store.create(dashboard, ctx.clock())}/edit`, 303);
      } catch (err) {
        if (err instanceof ValidationError) return listPage(request, reply, err.message);
        throw err;
      }
    },

    async import(request: FastifyRequest, reply: FastifyReply) {
      verifyCsrf(request);
      try {
        const dashboard = parseDashboardJson(formBody(request).json ?? '');
        return reply.redirect(`/dashboards/${store.create(dashboard, ctx.clock())}`, 303);
      } catch (err) {
        // Browsers get the list page with the reason; scripts the 422 JSON error naming the field
        // (details.path) and, for a panel query, the position in it (details.position).
        if (err instanceof ValidationError && wantsHtml(request))
          return listPage(request, reply, `Import failed: ${err.message}`);
        throw err;
      }
    },

    /** From Explore: appends the query as a panel to a dashboard (or a new one) and opens it. */
    async addPanel(request: FastifyRequest, reply: FastifyReply) {
      verifyCsrf(request);
      const form = formBody(request);
      const expr = (form.expr ?? '').trim();
      try {
        parseExpr(expr);
      } catch (err) {
        // An empty or broken query made a panel that could only fail.
        return listPage(request, reply, `Could not add the panel: ${(err as Error).message}`, 400);
      }
      const panel = {
        title: '',
        expr,
        kind: form.kind === 'table' ? 'table' : 'graph',
        stacked: form.stacked === '1',
        width: 12,
      };
      const id = Number(form.dashboard);
      const existing = Number.isSafeInteger(id) && id > 0 ? store.get(id) : undefined;
      try {
        if (existing) {
          const d = existing.dashboard;
          store.update(id, parseDashboard({ ...d, panels: [...d.panels, panel] }), ctx.clock());
          return reply.redirect(`/dashboards/${id}`, 303);
        }
        if (form.dashboard !== 'new') throw new NotFound('no such dashboard');
        const title = `Explore ${new Date(ctx.clock()).toISOString().slice(0, 16).replace('T', ' ')}`;
        const created = store.create(parseDashboard({ title, panels: [panel] }), ctx.clock());
        return reply.redirect(`/dashboards/${created}/edit`, 303);
      } catch (err) {
        if (err instanceof ValidationError)
          return listPage(request, reply, `Could not add the panel: ${err.message}`);
        throw err;
      }
    },

    async view(request: IdRequest, reply: FastifyReply) {
      const { id, dashboard } = load(request);
      const query = firstValues(request.query);
      const params = {
        range: query.range ?? dashboard.range,
        end: query.end ?? '',
        refresh: query.refresh ?? dashboard.refresh,
      };
      const range = resolveRange(params, ctx.clock());
      const body = renderDashboardView(id, dashboard, params, range);
      return sendPage(reply, request, ctx, {
        section: 'dashboards',
        title: dashboard.title,
        body,
        bundle: 'dashboard',
      });
    },

    async edit(request: IdRequest, reply: FastifyReply) {
      const { id, dashboard } = load(request);
      return editPage(request, reply, id, dashboard, JSON.stringify(exportDashboard(dashboard), null, 2));
    },

    async save(request: IdRequest, reply: FastifyReply) {
      verifyCsrf(request);
      const { id, dashboard: current } = load(request);
      const { dashboard: raw, stayOnEdit } = dashboardFromForm(formBody(request));
      try {
        const dashboard = parseDashboard(raw);
        store.update(id, dashboard, ctx.clock());
        return reply.redirect(stayOnEdit ? `/dashboards/${id}/edit` : `/dashboards/${id}`, 303);
      } catch (err) {
        if (err instanceof ValidationError)
          return editPage(
            request,
            reply,
            id,
            current,
            JSON.stringify(exportDashboard(current), null, 2),
            err.message,
          );
        throw err;
      }
    },

    async saveJson(request: IdRequest, reply: FastifyReply) {
      verifyCsrf(request);
      const { id, dashboard: current } = load(request);
      const json = formBody(request).json ?? '';
      try {
        store.update(id, parseDashboardJson(json), ctx.clock());
        return reply.redirect(`/dashboards/${id}`, 303);
      } catch (err) {
        if (err instanceof ValidationError) return editPage(request, reply, id, current, json, err.message);
        throw err;
      }
    },

    async export(request: IdRequest, reply: FastifyReply) {
      const { dashboard } = load(request);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName(dashboard.title)}"`)
        .send(`${JSON.stringify(exportDashboard(dashboard), null, 2)}\n`);
    },

    async remove(request: IdRequest, reply: FastifyReply) {
      verifyCsrf(request);
      store.delete(dashboardId(request));
      return reply.redirect('/dashboards', 303);
    },
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [name, htmlNotFound(h as Handler)]),
  ) as typeof handlers;
}
