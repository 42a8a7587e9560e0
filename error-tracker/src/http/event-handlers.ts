// Event reads: one full stored event, and events of a trace (for the log viewer's links).
import { NotFound, ValidationError } from '@flowrent/shared/errors';
import type { FastifyRequest } from 'fastify';
import { QueryError, traceId } from '../query/issue-search.js';
import type { HttpContext } from './context.js';
import { toSnakeCase } from './serialize.js';

export function eventHandlers(ctx: HttpContext) {
  return {
    async get(request: FastifyRequest<{ Params: { eventId: string } }>) {
      const event = ctx.store.getEvent(request.params.eventId);
      if (!event) throw new NotFound(`event ${request.params.eventId} not found`);
      const around = ctx.store.getAdjacentEvents(event.issueId, event.eventId);
      return {
        ...(toSnakeCase(event) as object),
        older_event_id: around.older,
        newer_event_id: around.newer,
      };
    },
    async byTrace(request: FastifyRequest<{ Querystring: { trace_id?: string; limit?: string } }>) {
      if (!request.query.trace_id) throw new ValidationError('trace_id is required');
      let id: string;
      try {
        id = traceId(request.query.trace_id);
      } catch (err) {
        if (err instanceof QueryError) throw new ValidationError(err.message);
        throw err;
      }
      const limit = Math.min(Number(request.query.limit) || 100, 500);
      return { data: toSnakeCase(ctx.store.listEventsByTrace(id, limit)) };
    },
  };
}
