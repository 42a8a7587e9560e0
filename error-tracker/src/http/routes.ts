// Every endpoint of the error tracker in one table. Ingest routes authenticate with DSN keys in
// the handler (the key may sit in the body's envelope header), so they are 'public' to the app's
// admin check; everything else needs the admin API key (or the UI's session).
import type { IngestOptions, RouteAuth } from '@flowrent/shared/http';
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './context.js';
import { eventHandlers } from './event-handlers.js';
import {
  addSentryErrorHeaders,
  admitIngestRequests,
  ingestHandler,
  preflightHandler,
} from './ingest-handlers.js';
import { issueHandlers } from './issue-handlers.js';
import { projectHandlers } from './project-handlers.js';
import { quarantineHandlers } from './quarantine-handlers.js';

export const MAX_ENVELOPE_BYTES = 20 * 1024 * 1024;
// Bodies reach the handler still compressed: decoding (capped) happens on the ingest worker
// thread together with parsing, off the main thread.
const INGEST: IngestOptions = {
  maxBodyBytes: MAX_ENVELOPE_BYTES,
  maxDecodedBytes: MAX_ENVELOPE_BYTES,
  passEncodings: ['gzip', 'x-gzip', 'deflate', 'br'],
};

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS';
interface Route {
  method: Method;
  url: string;
  auth?: RouteAuth;
  ingest?: IngestOptions;
  // biome-ignore lint/suspicious/noExplicitAny: each handler declares its own request generics
  handler: (request: any, reply: any) => Promise<unknown>;
}

export function routes(ctx: HttpContext): Route[] {
  const ingestRoute = (endpoint: 'envelope' | 'store'): Route[] => [
    {
      method: 'POST',
      url: `/api/:projectId/${endpoint}/`,
      auth: 'public',
      ingest: INGEST,
      handler: ingestHandler(ctx, endpoint),
    },
    {
      method: 'POST',
      url: `/api/:projectId/${endpoint}`,
      auth: 'public',
      ingest: INGEST,
      handler: ingestHandler(ctx, endpoint),
    },
    { method: 'OPTIONS', url: `/api/:projectId/${endpoint}/`, auth: 'public', handler: preflightHandler },
    { method: 'OPTIONS', url: `/api/:projectId/${endpoint}`, auth: 'public', handler: preflightHandler },
  ];
  const issues = issueHandlers(ctx);
  const events = eventHandlers(ctx);
  const projects = projectHandlers(ctx);
  const quarantine = quarantineHandlers(ctx);
  return [
    ...ingestRoute('envelope'),
    ...ingestRoute('store'),
    { method: 'GET', url: '/api/issues', handler: issues.list },
    { method: 'PATCH', url: '/api/issues', handler: issues.bulk },
    { method: 'GET', url: '/api/issues/:id', handler: issues.get },
    { method: 'PATCH', url: '/api/issues/:id', handler: issues.patch },
    { method: 'DELETE', url: '/api/issues/:id', handler: issues.remove },
    { method: 'POST', url: '/api/issues/:id/merge', handler: issues.merge },
    { method: 'GET', url: '/api/issues/:id/events', handler: issues.events },
    // the rest of the path is the key: tag keys may hold "/" and run to 200 characters, past the
    // router's 100-character limit on a :param
    { method: 'GET', url: '/api/issues/:id/tags/*', handler: issues.tagValues },
    { method: 'GET', url: '/api/issues/:id/history', handler: issues.history },
    { method: 'GET', url: '/api/events', handler: events.byTrace },
    { method: 'GET', url: '/api/events/:eventId', handler: events.get },
    { method: 'GET', url: '/api/projects', handler: projects.list },
    { method: 'POST', url: '/api/projects', handler: projects.create },
    { method: 'GET', url: '/api/projects/:id', handler: projects.get },
    { method: 'PATCH', url: '/api/projects/:id', handler: projects.update },
    { method: 'POST', url: '/api/projects/:id/keys', handler: projects.addKey },
    { method: 'DELETE', url: '/api/projects/:id/keys/:keyId', handler: projects.revokeKey },
    { method: 'GET', url: '/api/projects/:id/alerts', handler: projects.alertRules },
    { method: 'POST', url: '/api/projects/:id/alerts', handler: projects.createAlertRule },
    { method: 'DELETE', url: '/api/projects/:id/alerts/:ruleId', handler: projects.deleteAlertRule },
    { method: 'GET', url: '/api/projects/:id/alert-deliveries', handler: projects.deliveries },
    { method: 'GET', url: '/api/projects/:id/releases', handler: projects.releases },
    { method: 'GET', url: '/api/projects/:id/item-counts', handler: projects.itemCounts },
    // inbox entries the digest set aside (store/quarantine.ts)
    { method: 'GET', url: '/api/quarantine', handler: quarantine.list },
    { method: 'POST', url: '/api/quarantine/retry', handler: quarantine.retryMany },
    { method: 'POST', url: '/api/quarantine/:id/retry', handler: quarantine.retry },
    { method: 'DELETE', url: '/api/quarantine/:id', handler: quarantine.discard },
  ];
}

export function registerRoutes(app: FastifyInstance, ctx: HttpContext): void {
  addSentryErrorHeaders(app);
  admitIngestRequests(app, ctx.ingest);
  for (const r of routes(ctx)) {
    app.route({
      method: r.method,
      url: r.url,
      config: { auth: r.auth ?? 'admin', ingest: r.ingest },
      handler: r.handler,
    });
  }
}
