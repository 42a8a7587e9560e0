// The web UI's routes: sign-in and assets from the shared kit, then the error tracker's pages.
// Handlers keep the usual shape: read the URL state → one or a few store reads → render.
import { AppError, NotFound, ValidationError } from '@flowrent/shared/errors';
import {
  csrfToken,
  formBody,
  registerUi,
  registerUiPages,
  readSession,
  renderPage,
  safeLocalPath,
  type ServiceUrls,
  verifyCsrf,
} from '@flowrent/shared/ui';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Issue, IssueAction, Page, ProjectWithKeys } from '../model.js';
import { QueryError, QuerySyntaxError } from '../query/issue-search.js';
import { dsnFor } from '../service/sentry-auth.js';
import type { ErrorStore } from '../store/store.js';
import { html, type SafeHtml } from '../ui/html.js';
import { STATUS_FORM_ACTIONS } from '../ui/issue-actions.js';
import { renderIssueListPage } from '../ui/issue-list-page.js';
import { renderErrorPage } from '../ui/error-page.js';
import { renderIssuePage } from '../ui/issue-page.js';
import { readListState, toIssueFilter } from '../ui/issue-query.js';
import { actorNameOf, actorOf } from '../ui/actor.js';
import { renderSettingsPage } from '../ui/settings-page.js';
import { last24Hours } from '../ui/sparkline.js';
import { renderTraceEventsPage } from '../ui/trace-events-page.js';
import { expireDueIgnores } from './issue-handlers.js';
import { registerManageRoutes } from './ui-manage-routes.js';

export interface UiRouteDeps {
  store: ErrorStore;
  config: {
    API_KEY: string;
    ERROR_TRACKER_URL: string;
    LOG_VIEWER_URL: string;
    METRICS_COLLECTOR_URL: string;
  };
  clock: () => number;
  /** DSN of a project key; defaults to one built from ERROR_TRACKER_URL. */
  dsnFor?: (projectId: number, publicKey: string) => string;
  /** Status changes; defaults to store.applyAction (pass the service's own if it does more). */
  applyAction?: (issueIds: number[], action: IssueAction, actor: string, nowMs: number) => void;
  /** Called after a DSN key is added or revoked (the ingest key cache); default: the app's ingest service. */
  onKeysChanged?: () => void;
  /** New DSN public keys; default: 16 random bytes in hex, as app.ts makes them. */
  newPublicKey?: () => string;
  /** 'built' serves dist/ui/assets (production); default: bundle in memory when running from .ts. */
  assetMode?: 'source' | 'built';
}

const HOUR_MS = 3600_000;
const TRACE_ID = /^[0-9a-f]{32}$/;
const TRACE_PAGE_EVENTS = 100;
const EVENT_ID = /^[0-9a-f]{32}$/;
const NAV = [
  { href: '/', label: 'Issues' },
  { href: '/settings', label: 'Settings' },
];

function projectsWithKeys(deps: UiRouteDeps): ProjectWithKeys[] {
  const dsnOf = deps.dsnFor ?? ((id, key) => dsnFor(deps.config.ERROR_TRACKER_URL, key, id));
  return deps.store.listProjects().map((project) => {
    const keys = deps.store.listKeys(project.id).map((k) => ({ ...k, dsn: dsnOf(project.id, k.publicKey) }));
    return { ...project, keys, dsn: keys.find((k) => k.revokedAt === null)?.dsn ?? null };
  });
}

function last24(hours: { hour: string; count: number }[] | undefined, nowMs: number): number[] {
  return last24Hours(
    (hours ?? []).map((h) => ({ hourMs: Date.parse(h.hour), count: h.count })),
    nowMs,
  );
}

function csrfInput(request: FastifyRequest): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrfToken(request)}">`;
}

export function registerUiRoutes(app: FastifyInstance, deps: UiRouteDeps): void {
  const { store, config, clock } = deps;
  const urls: ServiceUrls = {
    errors: config.ERROR_TRACKER_URL,
    logs: config.LOG_VIEWER_URL,
    metrics: config.METRICS_COLLECTOR_URL,
  };
  const applyAction =
    deps.applyAction ?? ((ids, action, actor, now) => void store.applyAction(ids, action, actor, now));
  registerUi(app, { service: 'errors', apiKey: config.API_KEY, urls, now: clock, assetMode: deps.assetMode });

  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    page: { title: string; body: SafeHtml },
    current: string,
  ) =>
    reply.type('text/html; charset=utf-8').send(
      renderPage({
        service: 'errors',
        title: page.title,
        urls,
        body: page.body,
        scripts: ['errors.js'],
        styles: ['errors.css'],
        csrfToken: csrfToken(request),
        nav: NAV.map((n) => ({ ...n, current: n.href === current })),
      }).value,
    );
  const fromHour = (nowMs: number) => Math.floor(nowMs / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;

  registerUiPages(app, async (ui) => {
    // Browsers get a page for their own mistakes (unknown issue, bad link); API clients and server
    // errors go on to the app's single JSON error mapping.
    ui.setErrorHandler(async (error, request, reply) => {
      const browser = (request.headers.accept ?? '').includes('text/html');
      if (!(error instanceof AppError) || error.status >= 500 || !browser) throw error;
      const session = readSession(request);
      reply.code(error.status).type('text/html; charset=utf-8');
      return reply.send(
        renderPage({
          service: 'errors',
          title: `Error ${error.status}`,
          urls,
          body: renderErrorPage(error.status, error.message),
          styles: ['errors.css'],
          csrfToken: session?.csrfToken,
          nav: NAV,
        }).value,
      );
    });
    ui.get<{ Querystring: Record<string, unknown> }>('/', async (request, reply) => {
      const nowMs = clock();
      const state = readListState(request.query);
      expireDueIgnores(deps);
      let page: Page<Issue> = { data: [], nextCursor: null };
      let error: string | undefined;
      let errorPosition: number | undefined;
      try {
        page = store.listIssues(toIssueFilter(state, nowMs));
      } catch (err) {
        // A bad search or a stale cursor is the visitor's to fix: say so on the page.
        if (!(err instanceof QueryError || (err instanceof AppError && err.status < 500))) throw err;
        error = err.message;
        if (err instanceof QuerySyntaxError) errorPosition = err.position;
      }
      const ids = page.data.map((i) => i.id);
      const hourly = ids.length > 0 ? store.hourlyCountsFor(ids, fromHour(nowMs), nowMs) : new Map();
      const sparklines = new Map(ids.map((id) => [id, last24(hourly.get(id), nowMs)]));
      let emptyProjectDsn: string | null = null;
      if (
        page.data.length === 0 &&
        store.listIssues({ projectId: state.projectId ?? undefined, limit: 1 }).data.length === 0
      ) {
        const projects = projectsWithKeys(deps);
        emptyProjectDsn = (projects.find((p) => p.id === state.projectId) ?? projects[0])?.dsn ?? null;
      }
      const body = renderIssueListPage({
        state,
        projects: store.listProjects(),
        issues: page.data,
        sparklines,
        nextCursor: page.nextCursor,
        emptyProjectDsn,
        error,
        errorPosition,
        csrfField: csrfInput(request),
        nowMs,
      });
      return send(request, reply, body, '/');
    });

    ui.get<{ Params: { id: string }; Querystring: { event?: string; tab?: string; cursor?: string } }>(
      '/issues/:id',
      async (request, reply) => {
        const nowMs = clock();
        expireDueIgnores(deps);
        const issue = store.getIssue(Number(request.params.id));
        if (!issue) {
          // a merged-away issue's links (alerts, tickets) lead to the issue it was merged into
          const target = store.issueMergedInto(Number(request.params.id));
          if (target === null) {
            const deleted = store.issueDeleted(Number(request.params.id));
            if (!deleted) throw new NotFound(`no issue ${request.params.id}`);
            throw new NotFound(
              `issue ${request.params.id} (${deleted.title}) was deleted by ${deleted.deletedBy} at ${deleted.deletedAt}`,
            );
          }
          const query = request.url.indexOf('?');
          return reply.redirect(`/issues/${target}${query < 0 ? '' : request.url.slice(query)}`, 302);
        }
        const wanted = request.query.event;
        const eventsPage =
          request.query.tab === 'events'
            ? store.listIssueEvents(issue.id, { cursor: request.query.cursor ?? null, limit: 50 })
            : undefined;
        const event = eventsPage
          ? null
          : typeof wanted === 'string' && EVENT_ID.test(wanted)
            ? store.getEvent(wanted, issue.projectId)
            : store.getLatestEvent(issue.id);
        if (event && event.issueId !== issue.id)
          throw new NotFound(`event ${wanted} is not in issue ${issue.id}`);
        if (!event && wanted && !eventsPage) throw new NotFound(`no event ${wanted}`);
        const page = renderIssuePage({
          issue,
          project: store.getProject(issue.projectId),
          releaseToResolveBy:
            issue.status === 'unresolved' ? store.releaseToResolveBy(issue.projectId) : null,
          event,
          eventsPage,
          adjacent: event ? store.getAdjacentEvents(issue.id, event.eventId) : { older: null, newer: null },
          tags: store.listIssueTags(issue.id, 5),
          hourly: last24(store.hourlyCounts(issue.id, fromHour(nowMs), nowMs), nowMs),
          statusChanges: store.listStatusChanges(issue.id),
          csrfField: csrfInput(request),
          logViewerUrl: config.LOG_VIEWER_URL,
          metricsUrl: config.METRICS_COLLECTOR_URL,
          nowMs,
        });
        return send(request, reply, page, '/');
      },
    );

    ui.post<{ Params: { id: string } }>('/issues/:id/status', async (request, reply) => {
      verifyCsrf(request);
      expireDueIgnores(deps);
      const issue = store.getIssue(Number(request.params.id));
      if (!issue) throw new NotFound(`no issue ${request.params.id}`);
      const toAction = STATUS_FORM_ACTIONS[formBody(request).action ?? ''];
      if (!toAction) throw new ValidationError('unknown status action');
      const nowMs = clock();
      const action = toAction(nowMs);
      applyAction([issue.id], action, actorOf(request.headers.cookie), nowMs);
      return reply.redirect(`/issues/${issue.id}`, 303);
    });

    ui.post('/issues/bulk-status', async (request, reply) => {
      verifyCsrf(request);
      const form = formBody(request);
      const toAction = STATUS_FORM_ACTIONS[form.action ?? ''];
      if (!toAction) throw new ValidationError('unknown status action');
      expireDueIgnores(deps);
      const ids = Object.keys(form)
        .map((k) => /^issue_(\d{1,15})$/.exec(k)?.[1])
        .filter((id): id is string => id !== undefined)
        .map(Number);
      const nowMs = clock();
      const action = toAction(nowMs);
      if (ids.length > 0) applyAction(ids, action, actorOf(request.headers.cookie), nowMs);
      return reply.redirect(safeLocalPath(form.next), 303);
    });

    ui.get<{ Querystring: { trace_id?: string } }>('/events', async (request, reply) => {
      const traceId = String(request.query.trace_id ?? '').toLowerCase();
      if (!TRACE_ID.test(traceId)) throw new ValidationError('trace_id must be 32 hex digits');
      const page = renderTraceEventsPage({
        traceId,
        events: store.listEventsByTrace(traceId, null, TRACE_PAGE_EVENTS),
        logViewerUrl: config.LOG_VIEWER_URL,
        nowMs: clock(),
      });
      return send(request, reply, page, '/');
    });

    ui.get<{ Querystring: { project?: string } }>('/settings', async (request, reply) => {
      const projectId = Number(request.query.project);
      const projects = projectsWithKeys(deps);
      const shown = projects.find((p) => p.id === projectId) ?? projects[0];
      const page = renderSettingsPage({
        projects,
        projectId: shown?.id ?? null,
        releases: shown ? store.listReleaseHealth(shown.id) : [],
        alertRules: shown ? store.listAlertRules(shown.id) : [],
        deliveries: shown ? store.listDeliveries(shown.id, { limit: 20 }).data : [],
        quarantine: shown
          ? {
              total: store.quarantineCount(shown.id),
              latest: store.listQuarantined({ projectId: shown.id, limit: 10 }),
            }
          : { total: 0, latest: [] },
        csrfField: csrfInput(request),
        actorName: actorNameOf(request.headers.cookie),
        nowMs: clock(),
      });
      return send(request, reply, page, '/settings');
    });

    registerManageRoutes(ui, deps, send);
  });
}
