// State-changing endpoints of the read side: delete by query (dry run first) and saved searches.
// Bodies are JSON validated here field by field (no `any`).
import { BadRequest, NotFound, UnsupportedMediaType, ValidationError } from '@flowrent/shared/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseQuery } from '../query/parse-query.js';
import { runDelete } from '../query/run-query.js';
import { DEFAULT_RANGE, parseTimeParam } from '../query/time-range.js';
import type { SavedSearch, SavedSearchInput, SavedSearchStore } from '../store/saved-search-store.js';
import { nextTurn, nowNs, type QueryDeps } from './query-handlers.js';

export const MAX_SAVED_SEARCH_NAME = 200;

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  // The app turns a form body into an object too: curl's default form type was read as "no query".
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (request.body !== undefined && type !== 'application/json' && !type.endsWith('+json'))
    throw new UnsupportedMediaType('expected Content-Type: application/json');
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('expected a JSON object body');
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ValidationError(`'${key}' must be a string`, { field: key });
  return v;
}

function savedSearchInput(request: FastifyRequest, now: bigint, replace = false): SavedSearchInput {
  const body = bodyObject(request);
  // PUT replaces the whole search: a body with only a new name silently emptied its query.
  if (replace && body.query === undefined)
    throw new ValidationError("'query' is required: PUT replaces the saved search (name, query, from, to)", {
      field: 'query',
    });
  const name = (optionalString(body, 'name') ?? '').trim();
  if (name === '' || name.length > MAX_SAVED_SEARCH_NAME) {
    throw new ValidationError(`'name' must be 1 to ${MAX_SAVED_SEARCH_NAME} characters`, { field: 'name' });
  }
  const query = optionalString(body, 'query') ?? '';
  parseQuery(query); // a syntax error is a 400 with its position
  const from = optionalString(body, 'from') ?? '';
  const to = optionalString(body, 'to') ?? '';
  // The range as a search would use it: a from at or after its to was saved, then failed every use.
  const fromNs = parseTimeParam(from || DEFAULT_RANGE, now, 'from');
  const toNs = to ? parseTimeParam(to, now, 'to') : now + 1n;
  if (fromNs >= toNs)
    throw new BadRequest(`'from' (${from || DEFAULT_RANGE}) must be before 'to' (${to || 'now'})`, {
      field: 'from',
      from,
      to,
    });
  return { name, query, from, to };
}

function savedSearchJson(s: SavedSearch) {
  return {
    id: s.id,
    name: s.name,
    query: s.query,
    from: s.from,
    to: s.to,
    created_at: new Date(s.createdAtMs).toISOString(),
    updated_at: new Date(s.updatedAtMs).toISOString(),
  };
}

function idParam(params: unknown): number {
  const raw = (params as { id?: string }).id ?? '';
  // Digits only: Number() also read `1e0`, ` 1` and `0x1` as saved search 1.
  const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : 0;
  if (!Number.isSafeInteger(id) || id < 1) throw new NotFound('no such saved search');
  return id;
}

export function writeHandlers(deps: QueryDeps & { savedSearches: SavedSearchStore }) {
  const saved = deps.savedSearches;
  return {
    /** POST /api/logs/delete {query, from, to, dry_run}: dry_run defaults to true. */
    async deleteByQuery(request: FastifyRequest) {
      const body = bodyObject(request);
      const query = (optionalString(body, 'query') ?? '').trim();
      if (query === '')
        throw new ValidationError("'query' is required; use * to match every record in the range");
      const dryRun = body.dry_run === undefined ? true : body.dry_run;
      if (typeof dryRun !== 'boolean') throw new ValidationError("'dry_run' must be true or false");
      const matched = await runDelete(deps.store, {
        query,
        from: optionalString(body, 'from'),
        to: optionalString(body, 'to'),
        nowNs: nowNs(deps),
        dryRun,
        pause: nextTurn,
      });
      return { data: { matched, deleted: dryRun ? 0 : matched, dry_run: dryRun } };
    },

    async list() {
      return { data: saved.list().map(savedSearchJson) };
    },
    async get(request: FastifyRequest) {
      const s = saved.get(idParam(request.params));
      if (!s) throw new NotFound('no such saved search');
      return { data: savedSearchJson(s) };
    },
    async create(request: FastifyRequest, reply: FastifyReply) {
      const s = saved.create(savedSearchInput(request, nowNs(deps)), deps.clock());
      return reply.code(201).send({ data: savedSearchJson(s) });
    },
    async update(request: FastifyRequest) {
      const s = saved.update(
        idParam(request.params),
        savedSearchInput(request, nowNs(deps), true),
        deps.clock(),
      );
      if (!s) throw new NotFound('no such saved search');
      return { data: savedSearchJson(s) };
    },
    async remove(request: FastifyRequest, reply: FastifyReply) {
      if (!saved.delete(idParam(request.params))) throw new NotFound('no such saved search');
      return reply.code(204).send();
    },
  };
}
