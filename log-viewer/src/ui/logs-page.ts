// GET / : the log explorer. The URL is the state (query, from, to, live); the first page of
// results and the field sidebar are rendered on the server, the histogram, live tail, context and
// paging are done by /assets/logs.js against the read API with the session cookie.
import type { Db } from '@flowrent/shared/db';
import { ParseError } from '@flowrent/shared/errors';
import { csrfToken, registerUi, registerUiPages, renderPage } from '@flowrent/shared/ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordJson } from '../http/query-record-json.js';
import { countFields } from '../query/run-fields.js';
import { prepareSearch, runPreparedInSlices } from '../query/run-query.js';
import { SavedSearchStore } from '../store/saved-search-store.js';
import type { LogStore } from '../store/log-store.js';
import type { PageState } from './filter-query.js';
import { type LogsPageData, renderLogsBody } from './render-logs.js';

export const PAGE_SIZE = 100;
/** The first page renders with what a few seconds of scanning found; "Load older lines" continues. */
export const PAGE_BUDGET_MS = 3_000;
export const DEFAULT_PAGE_RANGE = '1h';
export const TRACE_PAGE_RANGE = '7d';

export interface LogsUiDeps {
  store: LogStore;
  db: Db;
  clock: () => number;
  config: {
    API_KEY: string;
    ERROR_TRACKER_URL: string;
    LOG_VIEWER_URL: string;
    METRICS_COLLECTOR_URL: string;
  };
}

function pageState(query: Record<string, unknown>): PageState {
  const str = (k: string) => {
    const v = query[k];
    return typeof v === 'string' ? v : '';
  };
  const q = str('query') || str('q');
  return {
    query: q,
    // A trace link from the error tracker may point at an older trace: look back further for it.
    from: str('from') || (/\btrace_id[:=]/.test(q) ? TRACE_PAGE_RANGE : DEFAULT_PAGE_RANGE),
    to: str('to'),
    live: str('live') === '1',
  };
}

async function loadPage(deps: LogsUiDeps, saved: SavedSearchStore, state: PageState): Promise<LogsPageData> {
  const data: LogsPageData = {
    state,
    records: [],
    nextCursor: null,
    fields: [],
    saved: saved.list(),
    urls: { errors: deps.config.ERROR_TRACKER_URL, metrics: deps.config.METRICS_COLLECTOR_URL },
  };
  try {
    const prepared = prepareSearch({ ...state, nowNs: BigInt(deps.clock()) * 1_000_000n });
    // In slices, as the search API: a slow query must not hold the live tails of other users.
    const result = await runPreparedInSlices(deps.store, prepared, {
      limit: PAGE_SIZE,
      budgetMs: PAGE_BUDGET_MS,
      pause: () => new Promise((resolve) => setImmediate(resolve)),
    });
    data.records = result.records.map(recordJson);
    data.nextCursor = result.nextCursor ?? null;
    data.fields = countFields(result.records, 5);
  } catch (err) {
    if (!(err instanceof ParseError) && !(err as { status?: number }).status) throw err;
    const details = (err as ParseError).details as { position?: number; param?: string } | undefined;
    data.error = {
      message: (err as Error).message,
      position: details?.param === undefined ? details?.position : undefined,
    };
  }
  return data;
}

export function registerLogsUi(app: FastifyInstance, deps: LogsUiDeps): void {
  const urls = {
    errors: deps.config.ERROR_TRACKER_URL,
    logs: deps.config.LOG_VIEWER_URL,
    metrics: deps.config.METRICS_COLLECTOR_URL,
  };
  registerUi(app, { service: 'logs', apiKey: deps.config.API_KEY, urls, now: deps.clock });
  const saved = new SavedSearchStore(deps.db);
  registerUiPages(app, async (ui) => {
    ui.get('/', async (request: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
      const data = await loadPage(deps, saved, pageState(request.query));
      const page = renderPage({
        service: 'logs',
        title: data.state.query || 'Explore',
        urls,
        csrfToken: csrfToken(request),
        body: renderLogsBody(data),
        scripts: ['logs.js'],
        styles: ['logs.css'],
      });
      return reply.type('text/html; charset=utf-8').send(page.value);
    });
  });
}
