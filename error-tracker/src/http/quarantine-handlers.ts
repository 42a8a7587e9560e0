// Inbox entries the digest set aside (store/quarantine.ts): list, retry, discard. Admin only.
import { Conflict, NotFound, Unavailable, ValidationError } from '@flowrent/shared/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from './context.js';
import { toSnakeCase } from './serialize.js';
import { bodyObject, idParam, intList, rejectUnknownKeys } from './validate.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

type ListRequest = FastifyRequest<{ Querystring: Record<string, string | string[]> }>;
type EntryRequest = FastifyRequest<{ Params: { id: string } }>;

/** What retryQuarantined() throws is the database failing (the disk, a lock): worth a retry later. */
const RETRY_AFTER_SECONDS = 5;
const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

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
    /** POST /api/quarantine/:id/retry → 200 applied (and removed), 409 when it fails again (kept),
     * 503 when the database fails (nothing changed). */
    async retry(request: EntryRequest) {
      const id = idParam(request.params.id);
      let result: ReturnType<typeof ctx.store.retryQuarantined>;
      try {
        result = ctx.store.retryQuarantined(id, ctx.clock());
      } catch (err) {
        request.log.error({ err }, 'quarantine retry: database error');
        throw new Unavailable(`database error, entry ${id} kept: ${describe(err)}`, RETRY_AFTER_SECONDS);
      }
      if (result === null) throw new NotFound(`quarantined entry ${id} not found`);
      if (!result.applied) throw new Conflict(`entry ${id} failed again: ${result.error}`, { id });
      return toSnakeCase(result);
    },
    /** POST /api/quarantine/retry {"ids":[…]} → each applied or kept (after a fix, many at once).
     * Each entry is its own transaction: when the database fails midway, the answer is a 503 whose
     * details still say what was applied, and which ids were not (that one and the rest: untried). */
    async retryMany(request: FastifyRequest) {
      const body = bodyObject(request.body);
      rejectUnknownKeys(body, ['ids']);
      const ids = intList(body, 'ids');
      const applied: number[] = [];
      const failed: { id: number; error: string }[] = [];
      const missing: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        let result: ReturnType<typeof ctx.store.retryQuarantined>;
        try {
          result = ctx.store.retryQuarantined(id, ctx.clock());
        } catch (err) {
          request.log.error({ err }, 'quarantine retry: database error');
          throw new Unavailable(
            `database error at entry ${id}; ${applied.length} applied before it, the rest kept: ${describe(err)}`,
            RETRY_AFTER_SECONDS,
            { applied, failed, missing, not_retried: ids.slice(i) },
          );
        }
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
