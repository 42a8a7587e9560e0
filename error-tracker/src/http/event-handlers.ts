// Event reads: one full stored event, and events of a trace (for the log viewer's links).
import { NotFound, ValidationError } from '@flowrent/shared/errors';
import type { FastifyRequest } from 'fastify';
import { QueryError, traceId } from '../query/issue-search.js';
import type { HttpContext } from './context.js';
import { page, toSnakeCase } from './serialize.js';
import { idParam } from './validate.js';

const DEFAULT_TRACE_EVENTS = 100;
const MAX_TRACE_EVENTS = 500;

export function eventHandlers(ctx: HttpContext) {
  return {
    async get(request: FastifyRequest<{ Params: { eventId: string }; Querystring: { project?: unknown } }>) {
      // ids are unique per project: the same event sent to two DSNs (@sentry/core's multiplexed
      // transport) is two events, which `project` tells apart; without it, the first stored
      const given = request.query.project;
      if (given !== undefined && typeof given !== 'string')
        throw new ValidationError('project must be given once');
      const projectId = given === undefined ? undefined : idParam(given, 'project');
      const event = ctx.store.getEvent(request.params.eventId, projectId);
      if (!event) {
        const where = projectId === undefined ? '' : ` in project ${projectId}`;
        throw new NotFound(`event ${request.params.eventId} not found${where}`);
      }
      const around = ctx.store.getAdjacentEvents(event.issueId, event.eventId);
      return {
        ...(toSnakeCase(event) as object),
        older_event_id: around.older,
        newer_event_id: around.newer,
      };
    },
    async byTrace(
      request: FastifyRequest<{ Querystring: { trace_id?: unknown; limit?: string; cursor?: string } }>,
    ) {
      const given = request.query.trace_id;
      if (!given) throw new ValidationError('trace_id is required');
      // a parameter given twice arrives as an array
      if (typeof given !== 'string') throw new ValidationError('trace_id must be given once');
      let id: string;
      try {
        id = traceId(given);
      } catch (err) {
        if (err instanceof QueryError) throw new ValidationError(err.message);
        throw err;
      }
      // below 1 (SQLite reads a negative LIMIT as none), a fraction or not a number: the default
      const n = Number(request.query.limit);
      const limit =
        Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), MAX_TRACE_EVENTS) : DEFAULT_TRACE_EVENTS;
      return page(ctx.store.listEventsByTrace(id, request.query.cursor, limit));
    },
  };
}
