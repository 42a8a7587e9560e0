// Issue read API and workflow: list, detail, events, tags, status changes, bulk update, merge, delete.
import { AppError, NotFound, ParseError, ValidationError } from '@flowrent/shared/errors';
import type { FastifyRequest } from 'fastify';
import type { IssueAction } from '../model.js';
import { hasRealCalendarFields } from '../query/calendar-date.js';
import { parseIssueParams, QueryError, QuerySyntaxError, type QueryParams } from '../query/issue-search.js';
import type { HttpContext } from './context.js';
import { page, toSnakeCase } from './serialize.js';
import {
  type Body,
  bodyObject,
  idParam,
  intList,
  optBool,
  optInt,
  optString,
  rejectUnknownKeys,
} from './validate.js';

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: QueryParams }>;
const DAY_MS = 86_400_000;
/** Values per page of GET /api/issues/:id/tags/:key (the first page was all there was), and the most
 * `limit` may ask for. */
const TAG_VALUES_PAGE = 100;
const MAX_TAG_VALUES_PAGE = 1000;
type TagValuesQuery = { cursor?: string; limit?: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** X-Actor as sent: Node hands header bytes over as latin1, so UTF-8 bytes ("Jörg") arrive as
 * "JÃ¶rg"; they are decoded as UTF-8 when they are valid UTF-8, else kept as latin1. */
function actorOf(request: FastifyRequest): string {
  const v = request.headers['x-actor'];
  if (typeof v !== 'string' || !v) return 'api';
  let actor = v;
  if (/[\x80-\xff]/.test(v) && !/[^\x00-\xff]/.test(v)) {
    try {
      actor = UTF8.decode(Buffer.from(v, 'latin1'));
    } catch {}
  }
  return [...actor].slice(0, 100).join('');
}

/** "Ignored until a time" reads as unresolved from that time on, not from the next maintenance
 * pass: every issue read and status change first turns the ignores that are due (one index probe
 * when none is). */
export function expireDueIgnores(ctx: { store: HttpContext['store']; clock: () => number }): void {
  ctx.store.expireIgnores(ctx.clock());
}

function issueOr404(ctx: HttpContext, id: number, request: FastifyRequest) {
  expireDueIgnores(ctx);
  const issue = ctx.store.getIssue(id);
  if (!issue) throw missingIssue(ctx, id, request);
  return issue;
}

/**
 * A merged-away id leads to the issue it was merged into, as Sentry's get_group_with_redirect: a
 * read is a 302 to the same route of that issue; a change is a 404 naming it in
 * `details.merged_into`, so a status change or a delete never lands on another issue unasked.
 */
function missingIssue(ctx: HttpContext, id: number, request: FastifyRequest): AppError {
  const target = ctx.store.issueMergedInto(id);
  if (target === null) {
    const deleted = ctx.store.issueDeleted(id);
    if (!deleted) return new NotFound(`issue ${id} not found`);
    return new NotFound(`issue ${id} was deleted by ${deleted.deletedBy} at ${deleted.deletedAt}`, {
      deleted_by: deleted.deletedBy,
      deleted_at: deleted.deletedAt,
    });
  }
  const message = `issue ${id} was merged into issue ${target}`;
  if (request.method !== 'GET') return new NotFound(message, { merged_into: target });
  const location = request.url.replace(/^\/api\/issues\/[^/?]+/, `/api/issues/${target}`);
  return new AppError(302, 'moved', message, { merged_into: target }, { location });
}

const ACTION_KEYS = ['status', 'in_next_release', 'ignore'];
// RFC 3339 (5.6) allows a space for the T, as the search filters do
const RFC_3339 = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i;
const IGNORE_KEYS = ['until_events', 'until_users', 'until_time'];

/**
 * Body {status, in_next_release?, ignore?: {until_events?, until_time?, until_users?}} → IssueAction.
 * Unknown keys are a 400: a misspelt condition would otherwise quietly mean "ignore forever".
 */
export function parseAction(body: Body, nowMs: number, otherKeys: string[] = []): IssueAction {
  rejectUnknownKeys(body, [...ACTION_KEYS, ...otherKeys], '');
  const status = body.status;
  // A key of another status was silently dropped ({"status":"resolved","ignore":{…}} resolved).
  if (body.in_next_release !== undefined && status !== 'resolved')
    throw new ValidationError('in_next_release applies only to status resolved');
  if (body.ignore !== undefined && status !== 'ignored')
    throw new ValidationError('ignore applies only to status ignored');
  if (status === 'unresolved') return { status };
  if (status === 'resolved') return { status, inNextRelease: optBool(body, 'in_next_release') === true };
  if (status === 'ignored') {
    const ig = body.ignore === undefined ? {} : bodyObject(body.ignore);
    rejectUnknownKeys(ig, IGNORE_KEYS, 'ignore.');
    const untilTime = optString(ig, 'until_time', 40)?.replace(' ', 'T');
    // Date.parse alone takes "1" (the year 2001) and dates before the epoch
    // and a day its month has: Date.parse reads 2027-02-30 as March 2nd
    if (
      untilTime !== undefined &&
      !(RFC_3339.test(untilTime) && hasRealCalendarFields(untilTime) && Date.parse(untilTime) >= 0)
    ) {
      throw new ValidationError('ignore.until_time must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z');
    }
    // A past time was accepted and undone only at the next maintenance pass.
    if (untilTime !== undefined && Date.parse(untilTime) <= nowMs)
      throw new ValidationError('ignore.until_time must be in the future');
    return {
      status,
      ignore: {
        untilEvents: optInt(ig, 'until_events', 1) ?? null,
        untilUsers: optInt(ig, 'until_users', 1) ?? null,
        untilTime: untilTime ? new Date(untilTime).toISOString() : null,
      },
    };
  }
  throw new ValidationError('status must be unresolved, resolved or ignored');
}

export function issueHandlers(ctx: HttpContext) {
  return {
    async list(request: FastifyRequest<{ Querystring: QueryParams }>) {
      let filter: ReturnType<typeof parseIssueParams>;
      try {
        filter = parseIssueParams(request.query, ctx.clock());
      } catch (err) {
        if (err instanceof QuerySyntaxError) {
          throw new ParseError(err.message, { param: 'query', position: err.position });
        }
        if (err instanceof QueryError) throw new ValidationError(err.message);
        throw err;
      }
      expireDueIgnores(ctx);
      const result = ctx.store.listIssues(filter);
      return page(result);
    },
    async get(request: IdRequest) {
      const issue = issueOr404(ctx, idParam(request.params.id), request);
      const now = ctx.clock();
      return {
        ...(toSnakeCase(issue) as object),
        tags: toSnakeCase(ctx.store.listIssueTags(issue.id, 5)),
        hourly: toSnakeCase(ctx.store.hourlyCounts(issue.id, now - DAY_MS, now)),
        status_changes: toSnakeCase(ctx.store.listStatusChanges(issue.id)),
      };
    },
    async events(request: IdRequest) {
      const id = idParam(request.params.id);
      issueOr404(ctx, id, request);
      const limit = request.query.limit !== undefined ? idParam(request.query.limit, 'limit') : undefined;
      return page(ctx.store.listIssueEvents(id, { cursor: request.query.cursor, limit }));
    },
    async tagValues(
      request: FastifyRequest<{ Params: { id: string; '*': string }; Querystring: TagValuesQuery }>,
    ) {
      const id = idParam(request.params.id);
      issueOr404(ctx, id, request);
      const { cursor, limit } = request.query;
      const values = ctx.store.getTagValues(id, request.params['*'], {
        cursor,
        limit: limit === undefined ? TAG_VALUES_PAGE : Math.min(idParam(limit, 'limit'), MAX_TAG_VALUES_PAGE),
      });
      return { ...page(values), unique_values: values.uniqueValues, total_count: values.totalCount };
    },
    async history(request: IdRequest) {
      const id = idParam(request.params.id);
      issueOr404(ctx, id, request);
      return { data: toSnakeCase(ctx.store.listStatusChanges(id)) };
    },
    async patch(request: IdRequest) {
      const id = idParam(request.params.id);
      issueOr404(ctx, id, request);
      const now = ctx.clock();
      const action = parseAction(bodyObject(request.body), now);
      const [issue] = ctx.store.applyAction([id], action, actorOf(request), now);
      return toSnakeCase(issue);
    },
    async bulk(request: FastifyRequest) {
      const body = bodyObject(request.body);
      const ids = intList(body, 'ids');
      expireDueIgnores(ctx);
      const now = ctx.clock();
      const action = parseAction(body, now, ['ids']);
      const issues = ctx.store.applyAction(ids, action, actorOf(request), now);
      return { data: toSnakeCase(issues) };
    },
    async merge(request: IdRequest) {
      const id = idParam(request.params.id);
      issueOr404(ctx, id, request);
      const body = bodyObject(request.body);
      // as PATCH: a misspelt key (`"idss"`) is a 400 naming it, not a merge of what was understood
      rejectUnknownKeys(body, ['ids']);
      const sources = intList(body, 'ids');
      return toSnakeCase(ctx.store.mergeIssues(id, sources, actorOf(request), ctx.clock()));
    },
    async remove(request: IdRequest, reply: { status: (n: number) => { send: () => void } }) {
      const id = idParam(request.params.id);
      const actor = actorOf(request);
      if (!ctx.store.deleteIssue(id, actor, ctx.clock())) throw missingIssue(ctx, id, request);
      request.log.info({ issueId: id, actor }, 'issue deleted');
      reply.status(204).send();
    },
  };
}
