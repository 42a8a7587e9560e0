// Inbox entries the digest set aside (store/quarantine.ts): list, retry, discard. Admin only.
import { Conflict, NotFound, ValidationError } from '@flowrent/shared/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from './context.js';
import { toSnakeCase } from './serialize.js';
import { bodyObject, idParam, intList, rejectUnknownKeys } from './validate.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

type ListRequest = FastifyRequest<{ Querystring: Record<string, string | string[]> }>;
type EntryRequest = FastifyRequest<{ Params: { id: string } }>;

function oneParam(query: Record<string, string | string[]>, key: string): string | undefined {
  const v = query[key];
  if (Array.isArray(v)) throw new ValidationError(`${key} must be given once`);
  return v;
}

export function quarantineHandlers(ctx: HttpContext) {
  return {
    /** GET /api/quarantine?project=&before=&limit= → newest first, with the total (of the project). */
    async list(request: ListRequest) {
      const query = request.query;
      rejectUnknownKeys(query, ['project', 'before', 'limit']);
      const project = oneParam(query, 'project');
      const before = oneParam(query, 'before');
      const limitText = oneParam(query, 'limit');
      const projectId = project === undefined ? undefined : idParam(project, 'project');
      if (projectId !== undefined && !ctx.store.getProject(projectId))
        throw new NotFound(`project ${projectId} not found`);
      const limit = limitText === undefined ? DEFAULT_LIMIT : idParam(limitText, 'limit');
      if (limit > MAX_LIMIT) throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
      const data = ctx.store.listQuarantined({
        projectId,
        beforeId: before === undefined ? undefined : idParam(before, 'before'),
        limit,
      });
      return {
        data: toSnakeCase(data),
        total: ctx.store.quarantineCount(projectId),
        next_before: data.length === limit ? data[data.length - 1].id : null,
      };
    },
    /** POST /api/quarantine/:id/retry → 200 applied (and removed), or 409 when it fails again (kept). */
    async retry(request: EntryRequest) {
      const id = idParam(request.params.id);
      const result = ctx.store.retryQuarantined(id, ctx.clock());
      if (result === null) throw new NotFound(`quarantined entry ${id} not found`);
      if (!result.applied) throw new Conflict(`entry ${id} failed again: ${result.error}`, { id });
      return toSnakeCase(result);
    },
    /** POST /api/quarantine/retry {"ids":[…]} → each applied or kept (after a fix, many at once). */
    async retryMany(request: FastifyRequest) {
      const body = bodyObject(request.body);
      rejectUnknownKeys(body, ['ids']);
      const applied: number[] = [];
      const failed: { id: number; error: string }[] = [];
      const missing: number[] = [];
      for (const id of intList(body, 'ids')) {
        const result = ctx.store.retryQuarantined(id, ctx.clock());
        if (result === null) missing.push(id);
        else if (result.applied) applied.push(id);
        else failed.push({ id, error: result.error });
      }
      return { applied, failed, missing };
    },
    /** DELETE /api/quarantine/:id → 204. */
    async discard(request: EntryRequest, reply: FastifyReply) {
      const id = idParam(request.params.id);
      if (!ctx.store.discardQuarantined(id)) throw new NotFound(`quarantined entry ${id} not found`);
      reply.status(204).send();
    },
  };
}
