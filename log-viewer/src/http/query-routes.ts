// Every read-side endpoint of the log viewer in one table (ingest routes live in ingest's table).
// All need the admin key or a UI session (the app's default auth); writes from the UI also carry
// the session's CSRF token (checked by the UI kit's session authenticator).
import type { Db } from '@flowrent/shared/db';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { SavedSearchStore } from '../store/saved-search-store.js';
import type { LogStore } from '../store/log-store.js';
import { exportHandler } from './query-export.js';
import { queryHandlers } from './query-handlers.js';
import { tailHandler } from './query-tail.js';
import { writeHandlers } from './query-write-handlers.js';

export interface QueryRouteDeps {
  store: LogStore;
  db: Db;
  /** Epoch ms. */
  clock: () => number;
  /** Monotonic ms of the search budgets (tests step it); performance.now() by default. */
  budgetClock?: () => number;
}

export function registerQueryRoutes(app: FastifyInstance, deps: QueryRouteDeps): void {
  const read = queryHandlers(deps);
  const write = writeHandlers({ ...deps, savedSearches: new SavedSearchStore(deps.db) });
  const routes: [method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, handler: unknown][] = [
    ['GET', '/api/logs', read.search],
    ['GET', '/api/logs/histogram', read.histogram],
    ['GET', '/api/logs/context', read.context],
    ['GET', '/api/logs/tail', tailHandler(app, deps)],
    ['GET', '/api/logs/export', exportHandler(deps)],
    ['POST', '/api/logs/delete', write.deleteByQuery],
    ['GET', '/api/fields', read.fields],
    ['GET', '/api/saved-searches', write.list],
    ['POST', '/api/saved-searches', write.create],
    ['GET', '/api/saved-searches/:id', write.get],
    ['PUT', '/api/saved-searches/:id', write.update],
    ['DELETE', '/api/saved-searches/:id', write.remove],
  ];
  for (const [method, url, handler] of routes) {
    app.route({ method, url, handler: handler as RouteHandlerMethod, config: { auth: 'admin' } });
  }
}
